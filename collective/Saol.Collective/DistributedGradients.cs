using Saol.Torch;

namespace Saol.Collective;

/// <summary>
/// Data-parallel gradient averaging for libtorch models: hooks every parameter of every local
/// replica (device) so that backward hands each gradient to a <see cref="GradientReducer"/> the
/// moment autograd computes it — buckets start their ring all-reduce while backward is still
/// running — and <see cref="SynchronizeAsync"/> then writes the average over all replicas of all
/// workers into every replica's <c>.grad</c>.
/// </summary>
/// <remarks>
/// Semantics follow PyTorch's DistributedDataParallel: call <c>zero_grad</c> before each backward;
/// after <see cref="SynchronizeAsync"/> every replica's <c>.grad</c> holds the averaged gradient
/// (bitwise identical on all replicas and workers); a parameter that got no gradient on this
/// worker contributes zeros. Gradients on a CUDA device travel through host memory.
/// </remarks>
public sealed class DistributedGradients : IDisposable
{
    private readonly GradientReducer _reducer;
    private readonly IReadOnlyList<IReadOnlyList<Tensor>> _replicas;
    private readonly List<HookHandle> _hooks = [];

    /// <summary>Registers the gradient hooks.</summary>
    /// <param name="ring">The all-reduce across workers.</param>
    /// <param name="replicaParameters">For each local device, its replica's trainable parameters in registration order
    /// (same shapes on every replica, float32).</param>
    /// <param name="options">Bucket size; defaults to <see cref="CollectiveOptions"/>' defaults.</param>
    /// <exception cref="ArgumentException">The replicas' parameters do not match, or one is not float32.</exception>
    public DistributedGradients(IAllReduce ring, IReadOnlyList<IReadOnlyList<Tensor>> replicaParameters, CollectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(replicaParameters);
        if (replicaParameters.Count == 0)
        {
            throw new ArgumentException("at least one replica is needed.", nameof(replicaParameters));
        }
        var first = replicaParameters[0];
        var sizes = new int[first.Count];
        for (var d = 0; d < replicaParameters.Count; d++)
        {
            var replica = replicaParameters[d];
            if (replica.Count != first.Count)
            {
                throw new ArgumentException($"replica {d} has {replica.Count} parameters, replica 0 has {first.Count}.", nameof(replicaParameters));
            }
            for (var p = 0; p < replica.Count; p++)
            {
                if (replica[p].dtype != ScalarType.Float32)
                {
                    throw new ArgumentException($"parameter {p} of replica {d} is {replica[p].dtype}; gradients are all-reduced as float32.", nameof(replicaParameters));
                }
                if (!replica[p].shape.SequenceEqual(first[p].shape))
                {
                    throw new ArgumentException($"parameter {p} of replica {d} has shape [{string.Join(", ", replica[p].shape)}], replica 0's has [{string.Join(", ", first[p].shape)}].", nameof(replicaParameters));
                }
            }
        }
        for (var p = 0; p < first.Count; p++)
        {
            sizes[p] = checked((int)first[p].numel());
        }
        _replicas = replicaParameters;
        _reducer = new GradientReducer(ring, sizes, replicaParameters.Count, options);
        for (var d = 0; d < replicaParameters.Count; d++)
        {
            for (var p = 0; p < first.Count; p++)
            {
                var (device, parameter) = (d, p);
                _hooks.Add(replicaParameters[d][p].register_hook(gradient => OnGradient(device, parameter, gradient)));
            }
        }
    }

    /// <summary>The number of buckets the parameters were packed into.</summary>
    public int BucketCount => _reducer.BucketCount;

    /// <summary>
    /// Waits for every bucket's all-reduce (starting those still waiting) and writes the averaged
    /// gradients into every replica's <c>.grad</c> (the local broadcast).
    /// </summary>
    /// <exception cref="CollectiveException">The ring failed.</exception>
    public async Task SynchronizeAsync(CancellationToken cancellationToken = default)
    {
        await _reducer.FinishAsync(cancellationToken).ConfigureAwait(false);
        for (var d = 0; d < _replicas.Count; d++)
        {
            for (var p = 0; p < _replicas[d].Count; p++)
            {
                WriteGradient(_replicas[d][p], _reducer.Result(p));
            }
        }
    }

    /// <summary>Removes the gradient hooks.</summary>
    public void Dispose()
    {
        foreach (var hook in _hooks)
        {
            hook.Dispose();
        }
        _hooks.Clear();
    }

    private void OnGradient(int device, int parameter, Tensor gradient)
    {
        if (gradient.device.type == DeviceType.CPU && gradient.dtype == ScalarType.Float32 && gradient.is_contiguous())
        {
            _reducer.MarkReady(device, parameter, gradient.data<float>());
            return;
        }
        using var host = gradient.to(ScalarType.Float32, Device.CPU).contiguous();
        _reducer.MarkReady(device, parameter, host.data<float>());
    }

    private static void WriteGradient(Tensor parameter, ReadOnlySpan<float> averaged)
    {
        var grad = parameter.grad;
        if (grad is null)
        {
            grad = torch.zeros(parameter.shape, ScalarType.Float32, parameter.device);
            parameter.grad = grad;
        }
        using (grad)
        {
            if (grad.device.type == DeviceType.CPU && grad.is_contiguous())
            {
                averaged.CopyTo(grad.data<float>());
                return;
            }
            using var host = torch.tensor(averaged, grad.shape, ScalarType.Float32);
            grad.copy_(host);
        }
    }
}
