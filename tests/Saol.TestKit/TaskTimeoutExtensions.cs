namespace Saol.TestKit;

/// <summary>Every await in a test goes through one of these, so a hang fails fast instead of eating the CI budget.</summary>
public static class TaskTimeoutExtensions
{
    /// <summary>The default bound for one awaited operation in a test.</summary>
    public static readonly TimeSpan DefaultTimeoutSpan = TimeSpan.FromSeconds(30);

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="DefaultTimeoutSpan"/>.</summary>
    public static Task DefaultTimeout(this Task task) => task.WaitAsync(DefaultTimeoutSpan);

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="DefaultTimeoutSpan"/>.</summary>
    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(DefaultTimeoutSpan);

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/>.</summary>
    public static Task<T> Timeout<T>(this Task<T> task, TimeSpan timeout) => task.WaitAsync(timeout);

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/>.</summary>
    public static Task Timeout(this Task task, TimeSpan timeout) => task.WaitAsync(timeout);
}
