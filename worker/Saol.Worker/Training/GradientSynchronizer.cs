using Saol.Collective;
using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>
/// Averages gradients over the ring with the collective's buckets. With one backward per step the
/// collective's <see cref="DistributedGradients"/> hooks hand each gradient over the moment autograd
/// produces it, so buckets reduce while backward still runs; with several micro-batches per step
/// (devices × accumulation) the accumulated gradients are handed to a <see cref="GradientReducer"/>
/// after the last backward. Either way every rank ends with bitwise identical gradients, so the SGD
/// steps keep the replicas identical. The step's loss is averaged with one more one-element all-reduce.
/// </summary>
internal sealed class GradientSynchronizer : IDisposable
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly IAllReduce? _ring;
    private readonly DistributedGradients? _overlapped;
    private readonly GradientReducer? _reducer;
    private readonly float[] _loss = new float[1];

    public GradientSynchronizer(IReadOnlyList<Tensor> parameters, IAllReduce? ring, bool oneBackwardPerStep)
    {
        _parameters = parameters;
        _ring = ring is { WorldSize: > 1 } ? ring : null;
        if (_ring is null)
        {
            return;
        }
        if (oneBackwardPerStep)
        {
            _overlapped = new DistributedGradients(_ring, [parameters]);
        }
        else
        {
            _reducer = new GradientReducer(_ring, [.. parameters.Select(p => checked((int)p.numel()))]);
        }
    }

    /// <summary>Averages the gradients in place; returns the global mean of <paramref name="localLoss"/>.</summary>
    public async Task<double> AverageAsync(double localLoss, CancellationToken cancellationToken)
    {
        if (_ring is null)
        {
            return localLoss;
        }
        if (_overlapped is not null)
        {
            await _overlapped.SynchronizeAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ReduceAccumulatedAsync(_reducer!, cancellationToken).ConfigureAwait(false);
        }
        _loss[0] = (float)localLoss;
        await _ring.AllReduceAsync(_loss, ReduceOp.Sum, cancellationToken).ConfigureAwait(false);
        return _loss[0] / _ring.WorldSize;
    }

    public void Dispose() => _overlapped?.Dispose();

    private async Task ReduceAccumulatedAsync(GradientReducer reducer, CancellationToken cancellationToken)
    {
        // Backward produces the last parameters' gradients first: hand them over in that order.
        for (var i = _parameters.Count - 1; i >= 0; i--)
        {
            using var grad = _parameters[i].grad;
            if (grad is not null)
            {
                using var contiguous = grad.contiguous();
                reducer.MarkReady(0, i, contiguous.data<float>());
            }
        }
        await reducer.FinishAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < _parameters.Count; i++)
        {
            using var grad = _parameters[i].grad;
            if (grad is not null)
            {
                using var averaged = torch.tensor<float>(reducer.Result(i), grad.shape);
                grad.copy_(averaged);
            }
        }
    }
}
