using Saol.Data.FashionMnist;
using Saol.Models.Augmentation;
using Saol.Models.Evaluation;
using Saol.Models.Losses;
using Saol.TestKit;
using Saol.Torch;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Models.Tests.Training;

public sealed class FashionMnistTrainingTests(ITestOutputHelper output)
{
    private const int Steps = 100;
    private const int Batch = 32;

    [Fact]
    public void Train_SaolResNet20OnFashionMnistSubset_RisesWellAboveChance()
    {
        Services.RequirePath(FashionMnistDataset.DefaultDirectory);
        torch.set_num_threads(2);
        var train = FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistSplit.Train);
        var test = FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistSplit.Test);

        using var network = ModelFactory.Create("resnet20", "saol", FashionMnistDataset.ClassCount, seed: 1);
        using var optimizer = optim.SGD(network.parameters(), 0.05, momentum: 0.9, weight_decay: 5e-4, nesterov: true);
        var cutMix = new CutMix(0.5, 1.0, seed: 2);
        var order = new Random(3);
        var firstLosses = new List<double>();
        var lastLosses = new List<double>();
        network.train();
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            var indices = Enumerable.Range(0, Batch).Select(_ => order.Next(train.Count)).ToArray();
            var (images, labels) = train.Batch(indices, channels: 3);
            var targets = SaolLoss.OneHot(labels, FashionMnistDataset.ClassCount);
            optimizer.zero_grad();
            using var loss = SaolLoss.Compute(network, images, targets, cutMix.Sample(Batch, FashionMnistDataset.Side, FashionMnistDataset.Side));
            loss.Total.backward();
            optimizer.step();
            var value = loss.Supervised.item<float>();
            Assert.False(float.IsNaN(value), $"L_SL is NaN at step {step}");
            (step < 20 ? firstLosses : step >= Steps - 20 ? lastLosses : null)?.Add(value);
        }

        network.eval();
        var saol = new Accuracy();
        var gapFc = new Accuracy();
        using (no_grad())
        {
            for (var start = 0; start < 500; start += 100)
            {
                using var scope = NewDisposeScope();
                var (images, labels) = test.Batch(Enumerable.Range(start, 100).ToArray(), channels: 3);
                var outputs = network.forward(images);
                saol.Add(outputs.YHat!, labels);
                gapFc.Add(outputs.GapLogits, labels);
            }
        }
        output.WriteLine($"after {Steps} steps: SAOL top-1 {saol.Top1Rate:P1} top-5 {saol.Top5Rate:P1}; GAP-FC top-1 {gapFc.Top1Rate:P1}; L_SL {firstLosses.Average():F3} -> {lastLosses.Average():F3}");
        // Chance is 10 %; a network that learnt nothing stays there.
        Assert.True(saol.Top1Rate > 0.5, $"SAOL top-1 {saol.Top1Rate:P1} after {Steps} steps");
        Assert.True(gapFc.Top1Rate > 0.4, $"GAP-FC top-1 {gapFc.Top1Rate:P1} after {Steps} steps");
        Assert.True(saol.Top5Rate > saol.Top1Rate);
        Assert.True(lastLosses.Average() < firstLosses.Average() * 0.8, $"L_SL fell only from {firstLosses.Average():F3} to {lastLosses.Average():F3}");
    }
}
