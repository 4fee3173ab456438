using System.Text.Json;
using Saol.Checkpoints;
using Saol.TestKit;
using Xunit;

namespace Saol.Coordinator.Tests;

public sealed class CheckpointDirectoryTests
{
    private static CheckpointManifest Manifest(long step) => new()
    {
        CheckpointId = CheckpointDirectory.IdForStep(step),
        JobId = "job-1",
        CreatedUtc = DateTimeOffset.UnixEpoch,
        JobSpec = JsonDocument.Parse("""{"name":"t"}""").RootElement.Clone(),
        Step = step,
        Epoch = 1,
        Sampler = new SamplerPosition { Epoch = 1, Offset = 16, WorldSize = 2, Seed = 3 },
        Rng = new RngState { Seed = 3, Counter = step },
        Schedule = new ScheduleState { Kind = "step", BaseLr = 0.1, PeakLr = 0.2, NextLr = 0.2, StepsPerEpoch = 10 },
        LossHistory = [2.3, 2.1],
    };

    private static IReadOnlyList<CheckpointPayload> Payloads(byte fill) =>
    [
        new("model.safetensors", path => File.WriteAllBytes(path, Enumerable.Repeat(fill, 1000).ToArray())),
        new("optimizer.safetensors", path => File.WriteAllBytes(path, [1, 2, 3])),
    ];

    [Fact]
    public void Write_ThenOpen_VerifiesAndRoundTripsTheManifest()
    {
        using var dir = new TempDir();
        var store = new CheckpointDirectory(dir.Path);
        var written = store.Write(Manifest(20), Payloads(7));
        Assert.Equal(Path.Combine(dir.Path, "step-00000020"), written.Path);
        Assert.Empty(Directory.EnumerateDirectories(dir.Path, ".tmp-*"));

        var loaded = CheckpointDirectory.Open(written.Path, written.ManifestSha256);
        Assert.Equal(20, loaded.Manifest.Step);
        Assert.Equal(16, loaded.Manifest.Sampler.Offset);
        Assert.Equal([2.3, 2.1], loaded.Manifest.LossHistory);
        Assert.Equal("t", loaded.Manifest.JobSpec.GetProperty("name").GetString());
        Assert.Equal(["model.safetensors", "optimizer.safetensors"], loaded.Manifest.Files.Select(f => f.Name));
        Assert.Equal(1000, loaded.Manifest.Files[0].Bytes);
        Assert.Equal(64, loaded.Manifest.Files[0].Sha256.Length);
        Assert.Contains("\"sampler\"", File.ReadAllText(Path.Combine(written.Path, "manifest.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CorruptPayload_IsRefusedWithAChecksumError_AndThePreviousIsUsed()
    {
        using var dir = new TempDir();
        var store = new CheckpointDirectory(dir.Path);
        var older = store.Write(Manifest(10), Payloads(1));
        var newer = store.Write(Manifest(20), Payloads(2));
        var model = Path.Combine(newer.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[500] ^= 0xFF;
        File.WriteAllBytes(model, bytes);

        var e = Assert.Throws<CheckpointCorruptException>(() => CheckpointDirectory.Open(newer.Path));
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", e.Message, StringComparison.Ordinal);

        var refused = new List<string>();
        var chosen = CheckpointDirectory.OpenNewestValid(
            [(newer.Path, newer.ManifestSha256), (older.Path, older.ManifestSha256)],
            (path, _) => refused.Add(path));
        Assert.NotNull(chosen);
        Assert.Equal(10, chosen.Manifest.Step);
        Assert.Equal([newer.Path], refused);
    }

    [Fact]
    public void Open_ManifestNotMatchingTheCatalog_IsRefused()
    {
        using var dir = new TempDir();
        var written = new CheckpointDirectory(dir.Path).Write(Manifest(5), Payloads(3));
        var e = Assert.Throws<CheckpointCorruptException>(() => CheckpointDirectory.Open(written.Path, new string('0', 64)));
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(written.Path, "optimizer.safetensors"));
        Assert.Contains("missing optimizer.safetensors", Assert.Throws<CheckpointCorruptException>(() => CheckpointDirectory.Open(written.Path)).Message, StringComparison.Ordinal);
        Assert.Null(CheckpointDirectory.OpenNewestValid([(written.Path, null)]));
    }

    [Fact]
    public void Write_FailingPayload_LeavesNoCheckpointAndKeepsThePrevious()
    {
        using var dir = new TempDir();
        var store = new CheckpointDirectory(dir.Path);
        var first = store.Write(Manifest(10), Payloads(1));
        Assert.Throws<InvalidOperationException>(() => store.Write(Manifest(20), [new CheckpointPayload("model.safetensors", _ => throw new InvalidOperationException("disk full"))]));
        Assert.Equal([first.Path], store.ListNewestFirst());
        Assert.Empty(Directory.EnumerateDirectories(dir.Path, ".tmp-*"));
        CheckpointDirectory.Open(first.Path, first.ManifestSha256);
    }

    [Fact]
    public void Write_SameStepTwice_ReplacesTheCheckpoint()
    {
        using var dir = new TempDir();
        var store = new CheckpointDirectory(dir.Path);
        store.Write(Manifest(10), Payloads(1));
        var second = store.Write(Manifest(10), Payloads(9));
        Assert.Single(store.ListNewestFirst());
        Assert.Equal(9, File.ReadAllBytes(Path.Combine(second.Path, "model.safetensors"))[0]);
        CheckpointDirectory.Open(second.Path, second.ManifestSha256);
    }

    [Fact]
    public void FromJson_UnknownFormatVersion_IsRefused()
    {
        var json = Manifest(1).ToJson().Replace("\"format_version\": 1", "\"format_version\": 99", StringComparison.Ordinal);
        Assert.Contains("format_version 99", Assert.Throws<CheckpointCorruptException>(() => CheckpointManifest.FromJson(json)).Message, StringComparison.Ordinal);
        Assert.Throws<CheckpointCorruptException>(() => CheckpointManifest.FromJson("{not json"));
    }
}
