using Saol.Models.Evaluation;
using Xunit;

namespace Saol.Models.Tests.Evaluation;

public sealed class WsolTests
{
    [Fact]
    public void Localize_BlobOnCoarseMap_FindsTheObjectBox()
    {
        // A 7x7 attention map (ResNet-50 at 224x224: 32 pixels per cell) with mass on rows 2..4, columns 1..3.
        var map = new float[49];
        for (var y = 2; y <= 4; y++)
        {
            for (var x = 1; x <= 3; x++)
            {
                map[(y * 7) + x] = y == 3 && x == 2 ? 1.0f : 0.6f;
            }
        }
        var truth = new BoundingBox(32, 64, 128, 160);
        var box = Wsol.Localize(map, 7, 7, 224, 224, threshold: 0.2);
        Assert.True(box.IoU(truth) >= 0.5, $"{box} vs {truth}: IoU {box.IoU(truth)}");
        Assert.True(Wsol.IsCorrect(box, truth, classCorrect: true));
        Assert.False(Wsol.IsCorrect(box, truth, classCorrect: false));
        Assert.False(Wsol.IsCorrect(box, new BoundingBox(150, 150, 224, 224), classCorrect: true));
    }

    [Fact]
    public void Localize_TwoRegions_KeepsTheLargestComponent()
    {
        var map = new float[10 * 10];
        map[0] = 1f; // a single hot pixel in a corner
        for (var y = 5; y < 9; y++)
        {
            for (var x = 4; x < 9; x++)
            {
                map[(y * 10) + x] = 0.9f;
            }
        }
        var box = Wsol.Localize(map, 10, 10, 10, 10, threshold: 0.5);
        Assert.Equal(new BoundingBox(4, 5, 9, 9), box);
    }

    [Fact]
    public void LargestComponent_DiagonalNeighbours_AreConnected()
    {
        var mask = new bool[16];
        mask[0] = mask[5] = mask[10] = true; // a diagonal: one 8-connected component
        mask[3] = true;
        Assert.Equal(new BoundingBox(0, 0, 3, 3), Wsol.LargestComponentBox(mask, 4, 4));
    }

    [Fact]
    public void Upsample_MatchesBilinearHalfPixelCentres()
    {
        // torch.nn.functional.interpolate(tensor([[[[0, 1]]]]), size=(1, 4), mode='bilinear', align_corners=False)
        // = [0, 0.25, 0.75, 1].
        var up = ScoreMap.Resize([0f, 1f], 1, 2, 1, 4);
        Assert.Equal([0f, 0.25f, 0.75f, 1f], up);
    }

    [Fact]
    public void IoU_KnownOverlaps()
    {
        var a = new BoundingBox(0, 0, 10, 10);
        Assert.Equal(1.0, a.IoU(a));
        Assert.Equal(25.0 / 175.0, a.IoU(new BoundingBox(5, 5, 15, 15)), 12);
        Assert.Equal(0.0, a.IoU(new BoundingBox(10, 0, 20, 10)));
    }

    [Fact]
    public void Localize_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => Wsol.Localize(new float[5], 2, 2, 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wsol.Localize(new float[4], 2, 2, 4, 4, threshold: 1.0));
        Assert.Throws<ArgumentException>(() => Wsol.Localize([0f, float.NaN, 0f, 0f], 2, 2, 4, 4));
    }
}
