using Xunit;
using static Saol.Torch.torch;

namespace Saol.Torch.Tests;

// Tests that count live hook callbacks must not run beside other tests that register hooks.
[Collection("GradientHooks")]
public sealed class AutogradTests
{
    [Fact]
    public void NoGrad_Scope_DisablesRecordingAndRestores()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2.0).requires_grad);
        }
        Assert.True(is_grad_enabled());
        Assert.True((x * 2.0).requires_grad);
    }

    [Fact]
    public void Detach_SharesStorageWithoutGrad()
    {
        using var scope = NewDisposeScope();
        var x = ones([3], requires_grad: true);
        var d = x.detach();
        Assert.False(d.requires_grad);
        using (no_grad())
        {
            d.mul_(3.0);
        }
        Assert.Equal(new float[] { 3, 3, 3 }, x.ToArray<float>());
    }

    [Fact]
    public void Grad_AccumulatesAndZeroGradResets()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2 }, requires_grad: true);
        (x * x).sum().backward();
        (x * 3.0).sum().backward();
        Assert.Equal(new float[] { 5, 7 }, x.grad!.ToArray<float>());
        nn.Module.ZeroGrad(x, setToNone: false);
        Assert.Equal(new float[] { 0, 0 }, x.grad!.ToArray<float>());
        x.grad = null;
        Assert.Null(x.grad);
    }

    [Fact]
    public void RegisterHook_SeesGradientAndCanReplaceIt()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        float[]? seen = null;
        using (x.register_hook(g => { seen = g.ToArray<float>(); }))
        using (x.register_hook(g => g * 10.0))
        {
            (x * x).sum().backward();
        }
        Assert.Equal(new float[] { 2, 4, 6 }, seen);
        Assert.Equal(new float[] { 20, 40, 60 }, x.grad!.ToArray<float>());
    }

    [Fact]
    public void RegisterHook_Removed_NoLongerCalled()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        var calls = 0;
        var handle = x.register_hook(_ => { calls++; });
        x.sum().backward();
        handle.remove();
        x.sum().backward();
        Assert.Equal(1, calls);
    }

    [Fact]
    public void RegisterHook_ThrowingCallback_FailsBackwardWithInnerExceptionAndProcessGoesOn()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        var fail = true;
        using var hook = x.register_hook(_ =>
        {
            if (fail)
            {
                throw new InvalidOperationException("bucket overflow");
            }
        });
        var ex = Assert.Throws<TorchException>(() => x.sum().backward());
        Assert.Contains("bucket overflow", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
        fail = false;
        x.sum().backward();
        Assert.Equal(new float[] { 1, 1 }, x.grad!.ToArray<float>());
    }

    [Fact]
    public void RegisterHook_OnTensorWithoutGrad_Throws()
    {
        using var x = ones(2);
        var before = Internal.GradientHooks.LiveCount;
        Assert.Throws<TorchArgumentException>(() => x.register_hook(_ => { }));
        Assert.Equal(before, Internal.GradientHooks.LiveCount);
    }

    [Fact]
    public void RegisterHook_TensorFreed_ReleasesManagedCallback()
    {
        var before = Internal.GradientHooks.LiveCount;
        for (var i = 0; i < 50; i++)
        {
            using var scope = NewDisposeScope();
            var x = ones([2], requires_grad: true);
            x.register_hook(_ => { });
            x.sum().backward();
        }
        Assert.Equal(before, Internal.GradientHooks.LiveCount);
    }

    [Fact]
    public void RegisterHook_OnModelParameters_FiresOncePerParameterPerBackward()
    {
        manual_seed(3);
        using var model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2));
        var fired = new List<string>();
        var hooks = model.named_parameters().Select(p => p.parameter.register_hook(_ => { lock (fired) { fired.Add(p.name); } })).ToList();
        using (var scope = NewDisposeScope())
        {
            model.forward(randn(3, 4)).sum().backward();
        }
        Assert.Equal(model.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal), fired.Order(StringComparer.Ordinal));
        // Backward reaches the last layer first, which is what lets an all-reduce start early.
        Assert.StartsWith("2.", fired[0], StringComparison.Ordinal);
        hooks.ForEach(h => h.Dispose());
    }
}

[Collection("GradientHooks")]
public sealed class PostAccumulateHookTests
{
    [Fact]
    public void PostAccumulateHook_SeesAccumulatedGradientOncePerBackward()
    {
        using var scope = NewDisposeScope();
        var w = new nn.Parameter(ones(3));
        var seen = new List<float[]>();
        using (w.register_post_accumulate_grad_hook(p => seen.Add(p.grad!.ToArray<float>())))
        {
            (w * 2.0).sum().backward();
            (w * 3.0).sum().backward();
        }
        (w * 5.0).sum().backward();
        Assert.Equal(2, seen.Count);
        Assert.Equal(new float[] { 2, 2, 2 }, seen[0]);
        Assert.Equal(new float[] { 5, 5, 5 }, seen[1]);
        w.Dispose();
    }

    [Fact]
    public void PostAccumulateHook_ThrowingCallback_FailsBackwardAndReleases()
    {
        var before = Internal.GradientHooks.LiveCount;
        using (var scope = NewDisposeScope())
        {
            var w = new nn.Parameter(ones(2));
            using (w.register_post_accumulate_grad_hook(_ => throw new InvalidOperationException("peer gone")))
            {
                var ex = Assert.Throws<TorchException>(() => w.sum().backward());
                Assert.IsType<InvalidOperationException>(ex.InnerException);
            }
            w.sum().backward();
            w.Dispose();
        }
        Assert.Equal(before, Internal.GradientHooks.LiveCount);
    }

    [Fact]
    public void PostAccumulateHook_NonLeaf_Throws()
    {
        using var scope = NewDisposeScope();
        var w = ones([2], requires_grad: true);
        var y = w * 2.0;
        Assert.Throws<TorchArgumentException>(() => y.register_post_accumulate_grad_hook(_ => { }));
    }

    [Fact]
    public void RngState_Restored_ReplaysSamples()
    {
        using var scope = NewDisposeScope();
        manual_seed(17);
        var state = get_rng_state();
        Assert.Equal(ScalarType.Byte, state.dtype);
        var a = randn(4);
        set_rng_state(state);
        var b = randn(4);
        Assert.True(a.equal(b));
    }
}

public sealed class ClipGradNormTests
{
    [Fact]
    public void ClipGradNorm_ScalesGradientsToMaxNormAndReturnsTotal()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 3, 0 }, requires_grad: true);
        var b = tensor(new float[] { 0, 4 }, requires_grad: true);
        (a * a * 0.5).sum().backward();
        (b * b * 0.5).sum().backward();
        var total = nn.clip_grad_norm_([a, b], max_norm: 1.0);
        Assert.Equal(5.0, total, 5);
        Assert.Equal(0.6f, a.grad!.ToArray<float>()[0], 4);
        Assert.Equal(0.8f, b.grad!.ToArray<float>()[1], 4);
        var again = nn.clip_grad_norm_([a, b], max_norm: 10.0);
        Assert.Equal(1.0, again, 4);
        Assert.Equal(0.6f, a.grad!.ToArray<float>()[0], 4);
    }
}
