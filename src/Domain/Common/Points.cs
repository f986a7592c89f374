namespace GradingPortal.Domain.Common;

/// <summary>Rules about point values shared by rubrics and grades.</summary>
public static class Points
{
    /// <summary>Grades may use half points (half-point deductions inside a rubric item); nothing finer.</summary>
    public static bool IsHalfStep(decimal value) => decimal.Remainder(value * 2, 1m) == 0m;

    public const int DefaultMaxPoints = 7;
    public const int MaxAllowedMaxPoints = 100;
}
