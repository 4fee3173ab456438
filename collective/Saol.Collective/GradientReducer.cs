using System.Numerics.Tensors;
using Saol.Collective.Internal.Buckets;

namespace Saol.Collective;

/// <summary>
/// Averages gradients across workers bucket by bucket while backward is still running, for a
/// worker with one or more device replicas of the model.
/// </summary>
/// <remarks>
/// <para>Gradients are packed into buckets of <see cref="CollectiveOptions.BucketBytes"/> in
/// reverse registration order. Each (device, parameter) gradient is handed over once per step
/// with <see cref="MarkReady"/> (from a gradient hook); when every replica's gradients of a bucket
/// exist, the bucket is reduced locally — replicas summed in device order 0, 1, …, G−1 and divided
/// by G — and its ring all-reduce (average over workers) starts at once, while backward computes
/// the rest. Buckets start in index order on every worker, so the ring matches them up.</para>
/// <para><see cref="FinishAsync"/> waits for all buckets; then <see cref="CopyResult"/> gives every
/// replica the same averaged gradient (the local broadcast). The result is bitwise identical on
/// every worker and every replica.</para>
/// </remarks>
public sealed class GradientReducer
{
    private readonly IAllReduce _ring;
    private readonly BucketPlan _plan;
    private readonly int _devices;
    private readonly int[] _parameterElements;
    // _buffers[bucket][device]: each replica's copy of the bucket; device 0's holds the result.
    private readonly float[][][] _buffers;
    private readonly bool[,] _ready;
    private readonly int[] _pending;
    private readonly Task?[] _reductions;
    private readonly Lock _lock = new();
    private int _nextToStart;
    private bool _finished;

    /// <summary>Plans the buckets for a model.</summary>
    /// <param name="ring">The all-reduce across workers (one rank per worker).</param>
    /// <param name="parameterElements">Every trainable parameter's element count, in registration order.</param>
    /// <param name="devices">The number of model replicas (devices) in this worker; at least 1.</param>
    /// <param name="options">Bucket size; defaults to <see cref="CollectiveOptions"/>' defaults.</param>
    public GradientReducer(IAllReduce ring, IReadOnlyList<int> parameterElements, int devices = 1, CollectiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(parameterElements);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        options ??= new CollectiveOptions();
        options.Validate();
        _ring = ring;
        _devices = devices;
        _parameterElements = [.. parameterElements];
        _plan = new BucketPlan(_parameterElements, options.BucketBytes);
        _buffers = new float[_plan.BucketCount][][];
        for (var b = 0; b < _plan.BucketCount; b++)
        {
            _buffers[b] = new float[devices][];
            for (var d = 0; d < devices; d++)
            {
                _buffers[b][d] = new float[_plan.BucketLength(b)];
            }
        }
        _ready = new bool[devices, _parameterElements.Length];
        _pending = new int[_plan.BucketCount];
        _reductions = new Task?[_plan.BucketCount];
        StartStep();
    }

    /// <summary>The number of buckets the parameters were packed into.</summary>
    public int BucketCount => _plan.BucketCount;

    /// <summary>The bucket holding <paramref name="parameter"/>'s gradient (0 is reduced first).</summary>
    public int BucketOf(int parameter) => _plan.BucketOf(parameter);

    /// <summary>
    /// Hands over one replica's gradient of one parameter for this step; thread-safe. The first
    /// call after <see cref="FinishAsync"/> starts a new step.
    /// </summary>
    /// <exception cref="ArgumentException">The gradient's length is not the parameter's.</exception>
    /// <exception cref="InvalidOperationException">This gradient was already handed over this step.</exception>
    public void MarkReady(int device, int parameter, ReadOnlySpan<float> gradient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(device, _devices);
        ArgumentOutOfRangeException.ThrowIfNegative(parameter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(parameter, _parameterElements.Length);
        if (gradient.Length != _parameterElements[parameter])
        {
            throw new ArgumentException($"parameter {parameter} has {_parameterElements[parameter]} elements, its gradient from device {device} has {gradient.Length}.", nameof(gradient));
        }
        var bucket = _plan.BucketOf(parameter);
        lock (_lock)
        {
            if (_finished)
            {
                StartStep();
            }
            if (_ready[device, parameter])
            {
                throw new InvalidOperationException($"the gradient of parameter {parameter} on device {device} was already handed over this step.");
            }
            _ready[device, parameter] = true;
        }
        // Distinct (device, parameter) pairs write distinct ranges: no lock needed for the copy.
        gradient.CopyTo(_buffers[bucket][device].AsSpan(_plan.OffsetOf(parameter), gradient.Length));
        if (Interlocked.Decrement(ref _pending[bucket]) == 0)
        {
            StartReadyBuckets();
        }
    }

    /// <summary>
    /// Starts the buckets still waiting (a gradient never handed over this step counts as zero,
    /// as for a parameter that did not take part in the loss) and waits for every bucket.
    /// </summary>
    /// <exception cref="CollectiveException">The ring failed.</exception>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            for (var d = 0; d < _devices; d++)
            {
                for (var p = 0; p < _parameterElements.Length; p++)
                {
                    if (!_ready[d, p])
                    {
                        _ready[d, p] = true;
                        _buffers[_plan.BucketOf(p)][d].AsSpan(_plan.OffsetOf(p), _parameterElements[p]).Clear();
                        Interlocked.Decrement(ref _pending[_plan.BucketOf(p)]);
                    }
                }
            }
        }
        StartReadyBuckets();
        var reductions = new Task[_reductions.Length];
        lock (_lock)
        {
            for (var b = 0; b < reductions.Length; b++)
            {
                reductions[b] = _reductions[b] ?? throw new InvalidOperationException($"bucket {b} did not start.");
            }
            _finished = true;
        }
        await Task.WhenAll(reductions).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the averaged gradient of <paramref name="parameter"/> (valid after <see cref="FinishAsync"/>).</summary>
    public void CopyResult(int parameter, Span<float> destination) => Result(parameter).CopyTo(destination);

    /// <summary>The averaged gradient of <paramref name="parameter"/> (valid after <see cref="FinishAsync"/> until the next step).</summary>
    public ReadOnlySpan<float> Result(int parameter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(parameter, _parameterElements.Length);
        return _buffers[_plan.BucketOf(parameter)][0].AsSpan(_plan.OffsetOf(parameter), _parameterElements[parameter]);
    }

    private void StartStep()
    {
        Array.Clear(_ready);
        Array.Clear(_reductions);
        for (var b = 0; b < _pending.Length; b++)
        {
            _pending[b] = _plan.ParametersOf(b).Count * _devices;
        }
        _nextToStart = 0;
        _finished = false;
    }

    private void StartReadyBuckets()
    {
        lock (_lock)
        {
            // In index order only, so every worker numbers its collectives the same way.
            while (_nextToStart < _pending.Length && Volatile.Read(ref _pending[_nextToStart]) == 0)
            {
                var bucket = _nextToStart++;
                _reductions[bucket] = ReduceAsync(bucket);
            }
        }
    }

    private Task ReduceAsync(int bucket)
    {
        var replicas = _buffers[bucket];
        var sum = replicas[0].AsSpan();
        for (var d = 1; d < replicas.Length; d++)
        {
            TensorPrimitives.Add(sum, replicas[d], sum);
        }
        if (replicas.Length > 1)
        {
            TensorPrimitives.Divide(sum, replicas.Length, sum);
        }
        return _ring.AllReduceAsync(replicas[0], ReduceOp.Average);
    }
}
