using Saol.Collective;
using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>
/// Averages gradients over the ring: packs every parameter's gradient (plus the step's loss) into one
/// float buffer, sums it with the all-reduce, divides by the world size and unpacks. All ranks then
/// hold bitwise identical gradients, so their SGD steps keep the replicas identical.
/// </summary>
internal sealed class GradientSynchronizer
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly IAllReduce? _ring;
    private readonly float[] _buffer;

    public GradientSynchronizer(IReadOnlyList<Tensor> parameters, IAllReduce? ring)
    {
        _parameters = parameters;
        _ring = ring;
        // One extra slot carries the local loss, so the global mean loss costs no extra round.
        _buffer = new float[parameters.Sum(p => p.numel()) + 1];
    }

    /// <summary>Averages the gradients in place; returns the global mean of <paramref name="localLoss"/>.</summary>
    public async Task<double> AverageAsync(double localLoss, CancellationToken cancellationToken)
    {
        if (_ring is null || _ring.WorldSize == 1)
        {
            return localLoss;
        }
        var offset = 0;
        foreach (var p in _parameters)
        {
            var n = (int)p.numel();
            using var grad = p.grad;
            if (grad is null)
            {
                _buffer.AsSpan(offset, n).Clear();
            }
            else
            {
                using var contiguous = grad.contiguous();
                contiguous.data<float>().CopyTo(_buffer.AsSpan(offset, n));
            }
            offset += n;
        }
        _buffer[offset] = (float)localLoss;
        await _ring.AllReduceAsync(_buffer, ReduceOp.Sum, cancellationToken).ConfigureAwait(false);
        var scale = 1f / _ring.WorldSize;
        offset = 0;
        foreach (var p in _parameters)
        {
            var n = (int)p.numel();
            using var grad = p.grad;
            if (grad is not null)
            {
                var values = _buffer.AsSpan(offset, n);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] *= scale;
                }
                using var averaged = torch.tensor<float>(values, grad.shape);
                grad.copy_(averaged);
            }
            offset += n;
        }
        return _buffer[offset] * scale;
    }
}
