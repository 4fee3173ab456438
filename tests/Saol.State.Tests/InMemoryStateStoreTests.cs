using Saol.Coordinator.State;

namespace Saol.State.Tests;

public sealed class InMemoryStateStoreTests : StateStoreContractTests
{
    protected override Task<IStateStore> CreateStoreAsync(TimeProvider time, string testName) =>
        Task.FromResult(StateStore.CreateInMemory(time));
}
