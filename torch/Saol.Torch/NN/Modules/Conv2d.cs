using static Saol.Torch.torch;

namespace Saol.Torch.Modules;

/// <summary>2-d convolution layer (torch.nn.Conv2d): parameters "weight" (out, in/groups, kh, kw) and "bias".</summary>
public sealed class Conv2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] _stride;
    private readonly long[] _padding;
    private readonly long[] _dilation;

    internal Conv2d(long inChannels, long outChannels, long[] kernelSize, long[] stride, long[] padding, long[] dilation, long groups, bool bias, ScalarType? dtype, Device? device)
        : base(nameof(Conv2d))
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Conv2d({inChannels}, {outChannels}, groups={groups}): channel counts must be positive and divisible by groups");
        }
        in_channels = inChannels;
        out_channels = outChannels;
        this.groups = groups;
        _stride = stride;
        _padding = padding;
        _dilation = dilation;
        // PyTorch's reset_parameters: kaiming_uniform_(a=√5) and U(−1/√fan_in, 1/√fan_in) for the bias.
        weight = new nn.Parameter(empty([outChannels, inChannels / groups, kernelSize[0], kernelSize[1]], dtype, device));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        register_parameter("weight", weight);
        if (bias)
        {
            var fanIn = inChannels / groups * kernelSize[0] * kernelSize[1];
            var bound = 1 / Math.Sqrt(fanIn);
            this.bias = new nn.Parameter(empty([outChannels], dtype, device));
            nn.init.uniform_(this.bias, -bound, bound);
        }
        register_parameter("bias", this.bias);
    }

    /// <summary>Input channels.</summary>
    public long in_channels { get; }

    /// <summary>Output channels.</summary>
    public long out_channels { get; }

    /// <summary>Channel groups (in_channels for a depthwise convolution).</summary>
    public long groups { get; }

    /// <summary>The filter bank.</summary>
    public nn.Parameter weight { get; }

    /// <summary>The per-channel bias, or null.</summary>
    public nn.Parameter? bias { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.conv2d(input, weight, bias, _stride, _padding, _dilation, groups);
}

/// <summary>Fully connected layer (torch.nn.Linear): "weight" (out, in) and "bias" (out).</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    internal Linear(long inFeatures, long outFeatures, bool hasBias, ScalarType? dtype, Device? device)
        : base(nameof(Linear))
    {
        if (inFeatures <= 0 || outFeatures <= 0)
        {
            throw new ArgumentException($"Linear({inFeatures}, {outFeatures}): feature counts must be positive");
        }
        in_features = inFeatures;
        out_features = outFeatures;
        weight = new nn.Parameter(empty([outFeatures, inFeatures], dtype, device));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        register_parameter("weight", weight);
        if (hasBias)
        {
            var bound = 1 / Math.Sqrt(inFeatures);
            bias = new nn.Parameter(empty([outFeatures], dtype, device));
            nn.init.uniform_(bias, -bound, bound);
        }
        register_parameter("bias", bias);
    }

    /// <summary>Input features.</summary>
    public long in_features { get; }

    /// <summary>Output features.</summary>
    public long out_features { get; }

    /// <summary>The weight matrix.</summary>
    public nn.Parameter weight { get; }

    /// <summary>The bias, or null.</summary>
    public nn.Parameter? bias { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.linear(input, weight, bias);
}

/// <summary>
/// 2-d batch normalisation (torch.nn.BatchNorm2d): parameters "weight", "bias"; buffers
/// "running_mean", "running_var", "num_batches_tracked".
/// </summary>
public sealed class BatchNorm2d : nn.Module<Tensor, Tensor>
{
    internal BatchNorm2d(long features, double eps, double? momentum, bool affine, bool trackRunningStats, ScalarType? dtype, Device? device)
        : base(nameof(BatchNorm2d))
    {
        if (features <= 0)
        {
            throw new ArgumentException($"BatchNorm2d({features}): the feature count must be positive");
        }
        num_features = features;
        this.eps = eps;
        this.momentum = momentum;
        if (affine)
        {
            weight = new nn.Parameter(ones([features], dtype, device));
            bias = new nn.Parameter(zeros([features], dtype, device));
        }
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        if (trackRunningStats)
        {
            running_mean = zeros([features], dtype, device);
            running_var = ones([features], dtype, device);
            num_batches_tracked = zeros([], ScalarType.Int64, device);
        }
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        register_buffer("num_batches_tracked", num_batches_tracked);
    }

    /// <summary>Channels.</summary>
    public long num_features { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double eps { get; }

    /// <summary>Running-statistics momentum; null for a cumulative average.</summary>
    public double? momentum { get; }

    /// <summary>The scale γ, or null without affine.</summary>
    public nn.Parameter? weight { get; }

    /// <summary>The shift β, or null without affine.</summary>
    public nn.Parameter? bias { get; }

    /// <summary>The running mean, or null without running statistics.</summary>
    public Tensor? running_mean { get; }

    /// <summary>The running (unbiased) variance, or null without running statistics.</summary>
    public Tensor? running_var { get; }

    /// <summary>Training batches seen (int64 scalar), or null without running statistics.</summary>
    public Tensor? num_batches_tracked { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4)
        {
            throw new ArgumentException($"BatchNorm2d expects a 4-d input, got {input.dim()}-d", nameof(input));
        }
        // Mirrors torch.nn.modules.batchnorm._BatchNorm.forward.
        var factor = momentum ?? 0.0;
        if (training && num_batches_tracked is not null)
        {
            using (no_grad())
            {
                num_batches_tracked.add_(1L);
            }
            if (momentum is null)
            {
                factor = 1.0 / num_batches_tracked.item<long>();
            }
        }
        var useBatchStats = training || running_mean is null;
        var trackStats = !training || num_batches_tracked is not null;
        return nn.functional.batch_norm(input, trackStats ? running_mean : null, trackStats ? running_var : null, weight, bias, useBatchStats, factor, eps);
    }
}
