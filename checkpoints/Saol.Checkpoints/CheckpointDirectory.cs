using System.Globalization;
using Saol.Checkpoints.Internal;

namespace Saol.Checkpoints;

/// <summary>Writes one payload file of a checkpoint to the path it is given (e.g. a safetensors save).</summary>
/// <param name="FileName">The file's name inside the checkpoint directory (e.g. "model.safetensors").</param>
/// <param name="Write">Writes the file at the given path.</param>
public sealed record CheckpointPayload(string FileName, Action<string> Write);

/// <summary>A checkpoint that is fully on disk (renamed into place and synced): ready to be committed in the catalog.</summary>
/// <param name="Id">The checkpoint id.</param>
/// <param name="Path">Its directory.</param>
/// <param name="Step">Optimiser steps completed.</param>
/// <param name="Epoch">The epoch the next step belongs to.</param>
/// <param name="ManifestSha256">The sha256 of manifest.json (which holds the sha256 of every other file).</param>
public sealed record WrittenCheckpoint(string Id, string Path, long Step, int Epoch, string ManifestSha256);

/// <summary>
/// The checkpoints of one job under one directory, each in its own sub-directory
/// (<c>&lt;id&gt;/manifest.json</c> + safetensors files). Writing is crash-safe: files go to a temporary
/// directory, are fsynced with the directory, which is then renamed into place and the parent
/// fsynced — a crash at any moment leaves either no new checkpoint or a complete one, and never
/// touches the previous ones.
/// </summary>
public sealed class CheckpointDirectory
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFileName = "manifest.json";

    private const string TempPrefix = ".tmp-";

    /// <summary>Opens (and creates) the directory.</summary>
    public CheckpointDirectory(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = System.IO.Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The directory's absolute path.</summary>
    public string Root { get; }

    /// <summary>The id of the checkpoint taken after <paramref name="step"/> steps.</summary>
    public static string IdForStep(long step) => "step-" + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes a checkpoint: every payload, then the manifest listing their sha256, all synced, then the
    /// atomic rename. <paramref name="manifest"/>'s <see cref="CheckpointManifest.Files"/> is filled here.
    /// </summary>
    public WrittenCheckpoint Write(CheckpointManifest manifest, IReadOnlyList<CheckpointPayload> payloads)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(payloads);
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest.CheckpointId);
        if (manifest.CheckpointId.Contains('/', StringComparison.Ordinal) || manifest.CheckpointId.StartsWith('.'))
        {
            throw new ArgumentException($"checkpoint id '{manifest.CheckpointId}' is not a plain name", nameof(manifest));
        }
        var temp = System.IO.Path.Combine(Root, TempPrefix + manifest.CheckpointId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(temp);
        try
        {
            manifest.Files = [];
            foreach (var payload in payloads)
            {
                if (payload.FileName == ManifestFileName || payload.FileName.Contains('/', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"payload file name '{payload.FileName}' is not allowed", nameof(payloads));
                }
                var file = System.IO.Path.Combine(temp, payload.FileName);
                payload.Write(file);
                if (!File.Exists(file))
                {
                    throw new IOException($"payload writer for '{payload.FileName}' did not create the file");
                }
                var (sha, bytes) = DurableFileSystem.SyncAndHash(file);
                manifest.Files.Add(new CheckpointFile { Name = payload.FileName, Bytes = bytes, Sha256 = sha });
            }
            var manifestPath = System.IO.Path.Combine(temp, ManifestFileName);
            File.WriteAllText(manifestPath, manifest.ToJson());
            var (manifestSha, _) = DurableFileSystem.SyncAndHash(manifestPath);
            DurableFileSystem.SyncDirectory(temp);

            var final = System.IO.Path.Combine(Root, manifest.CheckpointId);
            ReplaceDirectory(temp, final);
            DurableFileSystem.SyncDirectory(Root);
            return new WrittenCheckpoint(manifest.CheckpointId, final, manifest.Step, manifest.Epoch, manifestSha);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Opens a checkpoint directory and verifies the manifest (against <paramref name="expectedManifestSha256"/>
    /// when the catalog recorded one) and the sha256 of every file it lists.
    /// </summary>
    /// <exception cref="CheckpointCorruptException">A file is missing or its checksum does not match.</exception>
    public static LoadedCheckpoint Open(string path, string? expectedManifestSha256 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        var manifestPath = System.IO.Path.Combine(full, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            throw new CheckpointCorruptException($"checkpoint '{full}' has no {ManifestFileName}");
        }
        var manifestSha = DurableFileSystem.Hash(manifestPath);
        if (expectedManifestSha256 is not null && !string.Equals(manifestSha, expectedManifestSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointCorruptException($"checksum mismatch for {manifestPath}: catalog has sha256 {expectedManifestSha256}, file has {manifestSha}");
        }
        var manifest = CheckpointManifest.FromJson(File.ReadAllText(manifestPath));
        foreach (var file in manifest.Files)
        {
            var filePath = System.IO.Path.Combine(full, file.Name);
            if (!File.Exists(filePath))
            {
                throw new CheckpointCorruptException($"checkpoint '{full}' is missing {file.Name}");
            }
            var sha = DurableFileSystem.Hash(filePath);
            if (!string.Equals(sha, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new CheckpointCorruptException($"checksum mismatch for {filePath}: manifest has sha256 {file.Sha256}, file has {sha}");
            }
        }
        return new LoadedCheckpoint(full, manifest, manifestSha);
    }

    /// <summary>
    /// Opens the newest checkpoint that verifies, trying <paramref name="newestFirst"/> in order; each one
    /// refused is reported to <paramref name="onRefused"/> with its checksum error.
    /// </summary>
    /// <returns>The checkpoint, or null when none verifies.</returns>
    public static LoadedCheckpoint? OpenNewestValid(IEnumerable<(string Path, string? ManifestSha256)> newestFirst, Action<string, CheckpointCorruptException>? onRefused = null)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        foreach (var (path, sha) in newestFirst)
        {
            try
            {
                return Open(path, sha);
            }
            catch (CheckpointCorruptException e)
            {
                onRefused?.Invoke(path, e);
            }
        }
        return null;
    }

    /// <summary>The complete checkpoints in this directory (those with a manifest), newest (highest step) first.</summary>
    public IReadOnlyList<string> ListNewestFirst()
    {
        return [.. Directory.EnumerateDirectories(Root)
            .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.') && File.Exists(System.IO.Path.Combine(d, ManifestFileName)))
            .OrderByDescending(d => System.IO.Path.GetFileName(d), StringComparer.Ordinal)];
    }

    /// <summary>Deletes a checkpoint directory (pruning beyond keep-last-K); missing ones are ignored.</summary>
    public static void Delete(string path) => TryDelete(path);

    private static void ReplaceDirectory(string source, string destination)
    {
        if (!Directory.Exists(destination))
        {
            Directory.Move(source, destination);
            return;
        }
        // A checkpoint of the same step exists (a resumed run reached it again): swap it out, keeping
        // the old one until the new one is in place.
        var trash = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(destination)!, TempPrefix + System.IO.Path.GetFileName(destination) + "-replaced-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Move(destination, trash);
        Directory.Move(source, destination);
        TryDelete(trash);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary directory is ignored by readers (dot prefix).
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A verified checkpoint.</summary>
/// <param name="Path">Its directory.</param>
/// <param name="Manifest">Its manifest.</param>
/// <param name="ManifestSha256">The sha256 of manifest.json.</param>
public sealed record LoadedCheckpoint(string Path, CheckpointManifest Manifest, string ManifestSha256)
{
    /// <summary>The path of payload <paramref name="fileName"/>.</summary>
    public string FileOf(string fileName) => System.IO.Path.Combine(Path, fileName);
}
