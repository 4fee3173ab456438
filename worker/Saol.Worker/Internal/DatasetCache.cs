using Saol.Coordinator.Jobs;
using Saol.Data;
using Saol.Data.Sources;

namespace Saol.Worker.Internal;

/// <summary>Keeps the last data set a worker opened: later generations of the same job reuse it instead of decoding the files again.</summary>
internal sealed class DatasetCache
{
    private readonly Lock _lock = new();
    private DatasetDescriptor? _key;
    private (IImageDataset Train, IImageDataset Test) _value;

    public (IImageDataset Train, IImageDataset Test) Get(JobSpec spec)
    {
        var descriptor = spec.DatasetDescriptor();
        lock (_lock)
        {
            if (_key != descriptor)
            {
                _value = (descriptor.Open(test: false), descriptor.Open(test: true));
                _key = descriptor;
            }
            return _value;
        }
    }
}
