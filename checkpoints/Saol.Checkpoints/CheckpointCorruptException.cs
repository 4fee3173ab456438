namespace Saol.Checkpoints;

/// <summary>A checkpoint whose manifest or files do not match their recorded checksums, or cannot be read.</summary>
public sealed class CheckpointCorruptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointCorruptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public CheckpointCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public CheckpointCorruptException()
        : this("checkpoint is corrupt")
    {
    }
}
