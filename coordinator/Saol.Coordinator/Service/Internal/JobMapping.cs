using Google.Protobuf.WellKnownTypes;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.State;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Service.Internal;

/// <summary>Store records to wire messages.</summary>
internal static class JobMapping
{
    public static Pb.JobState State(JobRecord job) => job.Status switch
    {
        JobStatus.Pending => job.Generation == 0 ? Pb.JobState.Pending : Pb.JobState.Reforming,
        JobStatus.Running => Pb.JobState.Running,
        JobStatus.Completed => Pb.JobState.Succeeded,
        JobStatus.Failed => Pb.JobState.Failed,
        JobStatus.Cancelled => Pb.JobState.Cancelled,
        _ => Pb.JobState.Unspecified,
    };

    public static Pb.Job Job(JobRecord job, IReadOnlyList<WorkerRecord> live, CheckpointRecord? latest)
    {
        var spec = JobSpecLoader.Parse(job.SpecJson);
        var plan = job.PlanJson is null ? null : GenerationPlan.FromJson(job.PlanJson);
        var evaluation = JobEvaluation.Parse(job.Message);
        var result = new Pb.Job
        {
            Id = job.Id,
            Spec = JobSpecMapping.ToProto(spec),
            State = State(job),
            Generation = job.Generation,
            Message = job.Message ?? "",
            CreatedAt = Timestamp.FromDateTimeOffset(job.CreatedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(job.Progress.UpdatedAt > job.CreatedAt ? job.Progress.UpdatedAt : job.CreatedAt),
            LatestCheckpointId = latest?.Id ?? "",
            Progress = new Pb.JobProgress
            {
                Step = job.Progress.Step,
                Epoch = job.Progress.Epoch,
                TotalSteps = plan?.TotalSteps ?? 0,
                Loss = double.IsNaN(job.Progress.Loss) ? 0 : job.Progress.Loss,
                Lr = job.Progress.LearningRate,
                ImagesPerSecond = job.Progress.ImagesPerSecond,
                ValAccuracy = evaluation?.AccuracySaol ?? 0,
                ValAccuracyGapfc = evaluation?.AccuracyGapFc ?? 0,
            },
        };
        if (plan is not null)
        {
            foreach (var member in plan.Ranks)
            {
                var worker = live.FirstOrDefault(w => w.WorkerId == member.WorkerId);
                result.Workers.Add(new Pb.WorkerInfo
                {
                    WorkerId = member.WorkerId,
                    Host = worker?.Registration.Node ?? "",
                    PeerAddress = member.Address,
                    Rank = member.Rank,
                    DeviceCount = member.Devices,
                    LastHeartbeat = worker is null ? null : Timestamp.FromDateTimeOffset(worker.LeaseExpiresAt),
                });
            }
        }
        return result;
    }

    public static Pb.Checkpoint Checkpoint(CheckpointRecord record, long generation = 0) => new()
    {
        Id = record.Id,
        JobId = record.JobId,
        Step = record.Step,
        Epoch = record.Epoch,
        Path = record.Path,
        ManifestSha256 = record.ManifestSha256,
        Generation = generation,
        SizeBytes = DirectorySize(record.Path),
        CreatedAt = Timestamp.FromDateTimeOffset(record.CreatedAt),
    };

    public static Pb.Assignment Assignment(WorkerAssignment assignment)
    {
        var plan = assignment.Plan;
        var spec = JobSpecLoader.Parse(assignment.SpecJson);
        var start = plan.ResumeFrom?.Step ?? 0;
        var startEpoch = (int)(start / plan.StepsPerEpoch);
        var result = new Pb.Assignment
        {
            JobId = assignment.JobId,
            Spec = JobSpecMapping.ToProto(spec),
            Generation = plan.Generation,
            Rank = assignment.Rank,
            WorldSize = plan.WorldSize,
            Shard = new Pb.ShardPlan
            {
                GlobalBatchSize = plan.Shard.GlobalBatch,
                Devices = plan.Shard.DevicesPerWorker,
                PerDeviceBatch = plan.Shard.PerDeviceBatch,
                AccumulationSteps = plan.Shard.AccumulationSteps,
                StartEpoch = startEpoch,
                StartStep = start,
                EpochSampleOffset = (start - ((long)startEpoch * plan.StepsPerEpoch)) * plan.Shard.GlobalBatch,
                SamplesPerStep = plan.Shard.PerWorkerBatch,
                // DistributedSampler split: this rank takes positions rank, rank + W, … of every global batch.
                SampleOffsetInBatch = assignment.Rank,
            },
        };
        foreach (var member in plan.Ranks)
        {
            result.Ring.Add(new Pb.RingPeer { Rank = member.Rank, WorkerId = member.WorkerId, Address = member.Address });
        }
        if (plan.ResumeFrom is { } resume)
        {
            result.ResumeFrom = new Pb.Checkpoint
            {
                Id = resume.CheckpointId,
                JobId = assignment.JobId,
                Step = resume.Step,
                Epoch = startEpoch,
                Path = resume.Path,
                ManifestSha256 = resume.ManifestSha256,
            };
        }
        return result;
    }

    private static long DirectorySize(string path)
    {
        try
        {
            return Directory.Exists(path) ? new DirectoryInfo(path).EnumerateFiles().Sum(f => f.Length) : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
