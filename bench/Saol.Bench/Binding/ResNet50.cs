using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;

namespace Saol.Bench.Binding;

/// <summary>
/// torchvision's ResNet-50 (v1.5: stride on the 3×3 conv) built from the binding's layers, with
/// torchvision's module names, so the benchmark compares like with like.
/// </summary>
internal sealed class ResNet50 : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
    private readonly BatchNorm2d bn1 = nn.BatchNorm2d(64);
    private readonly MaxPool2d maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear fc = nn.Linear(2048, 1000);

    public ResNet50()
        : base(nameof(ResNet50))
    {
        long inplanes = 64;
        Sequential Stage(long planes, int blocks, long stride)
        {
            var stage = nn.Sequential();
            for (var i = 0; i < blocks; i++)
            {
                stage.append(new Bottleneck(inplanes, planes, i == 0 ? stride : 1));
                inplanes = planes * Bottleneck.Expansion;
            }
            return stage;
        }
        layer1 = Stage(64, 3, 1);
        layer2 = Stage(128, 4, 2);
        layer3 = Stage(256, 6, 2);
        layer4 = Stage(512, 3, 2);
        RegisterComponents();
        // torchvision's initialisation, so the weights look like a real ResNet-50's.
        foreach (var m in modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanMode.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight!);
                    nn.init.zeros_(bn.bias!);
                    break;
            }
        }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.forward(bn1.forward(conv1.forward(input)).relu_());
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        return fc.forward(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)).MoveToOuterDisposeScope();
    }

    private sealed class Bottleneck : nn.Module<Tensor, Tensor>
    {
        public const long Expansion = 4;

        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Conv2d conv3;
        private readonly BatchNorm2d bn3;
        private readonly Sequential? downsample;

        public Bottleneck(long inplanes, long planes, long stride)
            : base(nameof(Bottleneck))
        {
            conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
            bn1 = nn.BatchNorm2d(planes);
            conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(planes);
            conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
            bn3 = nn.BatchNorm2d(planes * Expansion);
            if (stride != 1 || inplanes != planes * Expansion)
            {
                downsample = nn.Sequential(nn.Conv2d(inplanes, planes * Expansion, 1, stride: stride, bias: false), nn.BatchNorm2d(planes * Expansion));
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            // Intermediates are freed as soon as the next layer has consumed them (autograd keeps
            // what backward needs), as Python frees them when their last reference goes.
            Tensor b2;
            using (var c1 = conv1.forward(input))
            using (var b1 = bn1.forward(c1).relu_())
            using (var c2 = conv2.forward(b1))
            {
                b2 = bn2.forward(c2).relu_();
            }
            Tensor b3;
            using (b2)
            using (var c3 = conv3.forward(b2))
            {
                b3 = bn3.forward(c3);
            }
            if (downsample is null)
            {
                b3.add_(input);
            }
            else
            {
                using var identity = downsample.forward(input);
                b3.add_(identity);
            }
            return b3.relu_();
        }
    }
}
