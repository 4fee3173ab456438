namespace Saol.Cli.Hosting;

/// <summary>A token cancelled by Ctrl+C or SIGTERM, so hosts stop cleanly (workers leave their session, servers close).</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly System.Runtime.InteropServices.PosixSignalRegistration _sigterm;

    public ShutdownSignal(CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _cts.Cancel();
        });
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        _sigterm.Dispose();
        _cts.Dispose();
    }
}
