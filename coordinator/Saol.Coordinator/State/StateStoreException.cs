namespace Saol.Coordinator.State;

/// <summary>The state store could not do what was asked: it is unreachable, or it holds a record it cannot read.</summary>
public class StateStoreException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public StateStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StateStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message (prefer the other constructors).</summary>
    public StateStoreException()
    {
    }
}

/// <summary>An operation named a job the store does not hold.</summary>
public sealed class JobNotFoundException : StateStoreException
{
    /// <summary>Creates the exception for <paramref name="jobId"/>.</summary>
    public JobNotFoundException(string jobId)
        : base($"job '{jobId}' does not exist")
    {
        JobId = jobId;
    }

    /// <summary>Creates the exception without a job id (prefer the other constructor).</summary>
    public JobNotFoundException()
        : base("job does not exist")
    {
        JobId = "";
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public JobNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        JobId = "";
    }

    /// <summary>The job that was not found.</summary>
    public string JobId { get; }
}
