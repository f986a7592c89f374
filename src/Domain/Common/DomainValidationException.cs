namespace GradingPortal.Domain.Common;

/// <summary>
/// Thrown by Domain factories and behaviour when input breaks a rule. Carries field-keyed messages so the
/// Api can answer with a ProblemDetails whose <c>errors</c> name the offending fields.
/// </summary>
public sealed class DomainValidationException : Exception
{
    public DomainValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base(string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))))
    {
        Errors = errors;
    }

    public DomainValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    /// <summary>Messages keyed by the camelCase path of the field they concern (e.g. <c>items[2].points</c>).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>Collects field errors while a rule set is checked, then throws them all at once.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            list = [];
            _errors[field] = list;
        }
        list.Add(message);
    }

    public void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            Add(field, message);
        }
    }

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw new DomainValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}

/// <summary>Thrown when a command is valid in shape but not allowed in the entity's current state (Api: 409).</summary>
public sealed class DomainConflictException(string message) : Exception(message);
