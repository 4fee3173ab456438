using Saol.TestKit;
using Saol.Torch.Serialization;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Torch.Tests;

public sealed class SafeTensorsTests
{
    private static readonly bool[] s_mask = [true, false, false, true];
    private static readonly bool[] s_pythonBools = [true, false, true];

    private static Dictionary<string, Tensor> Sample()
    {
        manual_seed(21);
        return new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["layer1.0.conv1.weight"] = randn(4, 3, 3, 3),
            ["bn1.running_mean"] = randn(4).to(ScalarType.Float64),
            ["bn1.num_batches_tracked"] = tensor(17L),
            ["half"] = randn(6).half(),
            ["bf16"] = randn(2, 5).bfloat16(),
            ["bytes"] = tensor(new byte[] { 0, 1, 254, 255 }),
            ["mask"] = tensor(s_mask),
            ["strided"] = randn(3, 4).t(),
            ["empty"] = zeros(0, 2),
        };
    }

    [Fact]
    public void SaveLoad_EveryDtype_RoundTripsBitExactWithMetadata()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var tensors = Sample();
        SafeTensors.Save(tensors, dir.File("a.safetensors"), new Dictionary<string, string> { ["step"] = "42", ["format"] = "pt" });
        var loaded = SafeTensors.Load(dir.File("a.safetensors"), out var metadata);
        Assert.Equal("42", metadata["step"]);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.dtype, loaded[name].dtype);
            Assert.True(t.equal(loaded[name]), name);
            loaded[name].Dispose();
        }
    }

    [Fact]
    public void Save_ReadByPython_AndPythonFileReadByUs()
    {
        using var scope = NewDisposeScope();
        var tensors = Sample();
        var result = PythonOracle.Run("safetensors_oracle.py", tensors, new Dictionary<string, string> { ["job"] = "r50" }, out var metadata);
        Assert.Equal("r50", metadata["job"]);
        Assert.Equal("python", metadata["written_by"]);
        foreach (var (name, t) in tensors)
        {
            Assert.True(t.equal(result["echo/" + name]), "python read " + name + " differently");
            using var sum = t.to(ScalarType.Float64).sum().reshape(1);
            Close.Assert(result["sum/" + name], sum, "sum of " + name, rtol: 1e-6);
        }
        Assert.Equal([3L, 4L], result["py/f32"].shape);
        Assert.Equal(ScalarType.Float16, result["py/f16"].dtype);
        Assert.Equal(ScalarType.BFloat16, result["py/bf16"].dtype);
        Assert.Equal(Enumerable.Range(-3, 12).Select(i => (long)i), result["py/i64"].data<long>().ToArray());
        Assert.Equal(250, result["py/u8"].data<byte>()[^1] + 10);
        Assert.Equal(s_pythonBools, result["py/bool"].data<bool>().ToArray());
        Assert.Empty(result["py/scalar"].shape);
        Assert.Equal(2.5, result["py/scalar"].item<double>());
        Assert.Equal([0L, 3L], result["py/empty"].shape);
        foreach (var t in result.Values)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void Load_CorruptFiles_ThrowInvalidData()
    {
        using var dir = new TempDir();
        using (var t = ones(4))
        {
            SafeTensors.Save(new Dictionary<string, Tensor> { ["w"] = t }, dir.File("ok.safetensors"));
        }
        var good = File.ReadAllBytes(dir.File("ok.safetensors"));

        File.WriteAllBytes(dir.File("short.safetensors"), good[..^3]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(dir.File("short.safetensors")));

        File.WriteAllBytes(dir.File("tiny.safetensors"), good[..5]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(dir.File("tiny.safetensors")));

        var huge = (byte[])good.Clone();
        BitConverter.GetBytes(long.MaxValue).CopyTo(huge, 0);
        File.WriteAllBytes(dir.File("huge.safetensors"), huge);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(dir.File("huge.safetensors")));

        var badJson = (byte[])good.Clone();
        badJson[8] = (byte)'[';
        File.WriteAllBytes(dir.File("json.safetensors"), badJson);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(dir.File("json.safetensors")));

        var text = System.Text.Encoding.UTF8.GetString(good);
        var badType = System.Text.Encoding.UTF8.GetBytes(text.Replace("\"F32\"", "\"X32\"", StringComparison.Ordinal));
        File.WriteAllBytes(dir.File("dtype.safetensors"), badType);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(dir.File("dtype.safetensors")));

        var badShape = System.Text.Encoding.UTF8.GetBytes(text.Replace("[4]", "[5]", StringComparison.Ordinal));
        File.WriteAllBytes(dir.File("shape.safetensors"), badShape);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(dir.File("shape.safetensors")));
    }

    [Fact]
    public void Module_StateDictThroughFile_RestoresExactly()
    {
        using var dir = new TempDir();
        manual_seed(1);
        using var a = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4));
        manual_seed(2);
        using var b = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4));
        SafeTensors.Save(a.state_dict(), dir.File("m.safetensors"));
        var loaded = SafeTensors.Load(dir.File("m.safetensors"));
        b.load_state_dict(loaded);
        foreach (var (name, t) in a.state_dict())
        {
            Assert.True(t.equal(b.state_dict()[name]), name);
        }
        foreach (var t in loaded.Values)
        {
            t.Dispose();
        }
    }
}
