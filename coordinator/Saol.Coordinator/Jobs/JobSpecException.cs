namespace Saol.Coordinator.Jobs;

/// <summary>A job spec that cannot run; every error names the field (e.g. <c>training.global_batch</c>).</summary>
public sealed class JobSpecException : Exception
{
    /// <summary>Creates the exception from the validation errors.</summary>
    public JobSpecException(IReadOnlyList<JobSpecError> errors)
        : base("invalid job spec: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception with a single message (serialization-shaped constructor).</summary>
    public JobSpecException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates the exception with a single message and cause.</summary>
    public JobSpecException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Creates an exception without errors.</summary>
    public JobSpecException()
        : this("invalid job spec")
    {
    }

    /// <summary>Every problem found, in field order.</summary>
    public IReadOnlyList<JobSpecError> Errors { get; }
}

/// <summary>One problem of a job spec: the snake_case path of the field and what is wrong with it.</summary>
public sealed record JobSpecError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}
