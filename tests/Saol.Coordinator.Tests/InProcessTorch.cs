using Xunit;

namespace Saol.Coordinator.Tests;

/// <summary>
/// Test classes that train in this process share libtorch's global state (the default generator the
/// networks are initialised from, the thread count), so they run one after another, never side by side.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InProcessTorch
{
    public const string Name = "libtorch in-process";
}
