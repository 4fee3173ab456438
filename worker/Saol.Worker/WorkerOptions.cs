namespace Saol.Worker;

/// <summary>Settings of a worker process; <see cref="Validate"/> runs at start-up.</summary>
public sealed class WorkerOptions
{
    /// <summary>The coordinator's address, e.g. http://127.0.0.1:50051. Required.</summary>
    public Uri? Coordinator { get; set; }

    /// <summary>Joins only this job (null: any job waiting for workers). Defaults to null.</summary>
    public string? JobId { get; set; }

    /// <summary>The port of this worker's peer (ring) service; 0 picks a free one. Defaults to 0.</summary>
    public int PeerPort { get; set; }

    /// <summary>The host name other workers reach this one by. Defaults to 127.0.0.1.</summary>
    public string AdvertiseHost { get; set; } = "127.0.0.1";

    /// <summary>Devices (CPU replicas or GPUs) this worker trains on. Defaults to 1.</summary>
    public int Devices { get; set; } = 1;

    /// <summary>The bearer token of the coordinator and the peers, or null. Defaults to null.</summary>
    public string? BearerToken { get; set; }

    /// <summary>The ring's timeout for a silent peer. Defaults to 60 s.</summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Serves Prometheus metrics on this port at /metrics (0 picks a free one; null: none). Defaults to null.</summary>
    public int? MetricsPort { get; set; }

    /// <summary>JPEGs an image-folder data set decodes at once per loader (0 = the processor count). Defaults to 0.</summary>
    public int LoaderThreads { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Coordinator is not { IsAbsoluteUri: true } c || (c.Scheme != Uri.UriSchemeHttp && c.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{nameof(Coordinator)} must be an absolute http:// or https:// address, got '{Coordinator}'");
        }
        if (PeerPort is < 0 or > 65535)
        {
            throw new ArgumentException($"{nameof(PeerPort)} must be in [0, 65535], got {PeerPort}");
        }
        if (MetricsPort is < 0 or > 65535)
        {
            throw new ArgumentException($"{nameof(MetricsPort)} must be in [0, 65535], got {MetricsPort}");
        }
        if (Devices < 1)
        {
            throw new ArgumentException($"{nameof(Devices)} must be at least 1, got {Devices}");
        }
        if (LoaderThreads < 0)
        {
            throw new ArgumentException($"{nameof(LoaderThreads)} must be at least 0 (0 = the processor count), got {LoaderThreads}");
        }
        if (string.IsNullOrWhiteSpace(AdvertiseHost))
        {
            throw new ArgumentException($"{nameof(AdvertiseHost)} must not be empty");
        }
        if (PeerTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(PeerTimeout)} must be positive, got {PeerTimeout}");
        }
    }
}
