namespace Saol.Coordinator.State.Internal;

/// <summary>Argument checks both implementations share, so they refuse the same inputs with the same messages.</summary>
internal static class StoreArguments
{
    /// <summary>
    /// Ids name Redis keys (<c>{prefix}job:{id}:workers</c>), so they are kept to a character set without the key
    /// separator: letters, digits, '.', '_' and '-', 1 to 128 characters.
    /// </summary>
    public static void Id(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length is 0 or > MaxIdLength || !value.All(IsIdChar))
        {
            throw new ArgumentException($"{name} '{value}' is not a valid id: use 1 to {MaxIdLength} letters, digits, '.', '_' or '-'", name);
        }
    }

    public const int MaxIdLength = 128;

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    public static void Lease(TimeSpan lease)
    {
        if (lease <= TimeSpan.Zero || lease > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(lease), lease, "a lease must be positive and at most one day");
        }
    }

    public static void Job(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Id(job.Id, "job.Id");
        ArgumentNullException.ThrowIfNull(job.SpecJson, "job.SpecJson");
        ArgumentNullException.ThrowIfNull(job.Progress, "job.Progress");
        if (!Enum.IsDefined(job.Status))
        {
            throw new ArgumentOutOfRangeException(nameof(job), job.Status, "job.Status is not a defined JobStatus");
        }
        if (job.Generation < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(job), job.Generation, "job.Generation must not be negative");
        }
        Progress(job.Progress);
    }

    public static void Progress(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Step < 0 || progress.Epoch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(progress), "progress step and epoch must not be negative");
        }
        if (double.IsInfinity(progress.ImagesPerSecond) || double.IsNaN(progress.ImagesPerSecond) || progress.ImagesPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(progress), progress.ImagesPerSecond, "progress images per second must be a finite non-negative number");
        }
    }

    public static void Registration(WorkerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        Id(registration.WorkerId, "registration.WorkerId");
        ArgumentNullException.ThrowIfNull(registration.Address, "registration.Address");
        ArgumentNullException.ThrowIfNull(registration.Node, "registration.Node");
        if (registration.Devices < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(registration), registration.Devices, "a worker needs at least one device");
        }
    }

    public static void Checkpoint(CheckpointRecord checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Id(checkpoint.Id, "checkpoint.Id");
        Id(checkpoint.JobId, "checkpoint.JobId");
        if (string.IsNullOrWhiteSpace(checkpoint.Path))
        {
            throw new ArgumentException("checkpoint.Path must not be blank", nameof(checkpoint));
        }
        if (checkpoint.Step < 0 || checkpoint.Epoch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(checkpoint), "checkpoint step and epoch must not be negative");
        }
        var sha = checkpoint.ManifestSha256;
        if (sha is null || sha.Length != 64 || !sha.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new ArgumentException("checkpoint.ManifestSha256 must be 64 lower-case hex digits", nameof(checkpoint));
        }
    }
}
