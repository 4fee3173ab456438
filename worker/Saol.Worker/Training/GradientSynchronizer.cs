using Saol.Collective;
using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>
/// Averages gradients over the ring with the collective's bucketed <see cref="GradientReducer"/>:
/// every parameter's accumulated gradient is handed over after backward, the buckets are all-reduced
/// and averaged, and the result is written back into the gradients. All ranks then hold bitwise
/// identical gradients, so their SGD steps keep the replicas identical. The step's loss is averaged
/// with one more (one-element) all-reduce.
/// </summary>
internal sealed class GradientSynchronizer
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly IAllReduce? _ring;
    private readonly GradientReducer? _reducer;
    private readonly float[] _loss = new float[1];

    public GradientSynchronizer(IReadOnlyList<Tensor> parameters, IAllReduce? ring)
    {
        _parameters = parameters;
        _ring = ring is { WorldSize: > 1 } ? ring : null;
        if (_ring is not null)
        {
            _reducer = new GradientReducer(_ring, [.. parameters.Select(p => checked((int)p.numel()))]);
        }
    }

    /// <summary>Averages the gradients in place; returns the global mean of <paramref name="localLoss"/>.</summary>
    public async Task<double> AverageAsync(double localLoss, CancellationToken cancellationToken)
    {
        if (_ring is null || _reducer is null)
        {
            return localLoss;
        }
        // Backward produces the last parameters' gradients first: hand them over in that order.
        for (var i = _parameters.Count - 1; i >= 0; i--)
        {
            using var grad = _parameters[i].grad;
            if (grad is not null)
            {
                using var contiguous = grad.contiguous();
                _reducer.MarkReady(0, i, contiguous.data<float>());
            }
        }
        await _reducer.FinishAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < _parameters.Count; i++)
        {
            using var grad = _parameters[i].grad;
            if (grad is not null)
            {
                using var averaged = torch.tensor<float>(_reducer.Result(i), grad.shape);
                grad.copy_(averaged);
            }
        }
        _loss[0] = (float)localLoss;
        await _ring.AllReduceAsync(_loss, ReduceOp.Sum, cancellationToken).ConfigureAwait(false);
        return _loss[0] / _ring.WorldSize;
    }
}
