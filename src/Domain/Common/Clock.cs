namespace GradingPortal.Domain.Common;

/// <summary>Ids are UUID v7 so that primary-key order is creation order (stable paging without a second column).</summary>
public static class Ids
{
    public static Guid New() => Guid.CreateVersion7();
}
