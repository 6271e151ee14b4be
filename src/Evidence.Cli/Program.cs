using Evidence.Cli;
using Evidence.Cli.Resident;

if (CliApp.CommandWord(args) != "serve")
{
    // A command resolves each service a handful of times, so the container's compiled resolvers (IL emitted, then compiled by
    // the JIT) cost more than they save: without them `case add` spends a quarter less CPU (docs/benchmarks.md). `serve`
    // resolves services for every request, for hours, and keeps them. Read once, when the first container is built.
    AppContext.SetSwitch("Microsoft.Extensions.DependencyInjection.DisableDynamicEngine", true);
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C cancels the running request cleanly (its staged blob is discarded); a second one kills.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};
var interactive = !Console.IsErrorRedirected;
// A home's resident process, when one listens, runs the command without .NET's and EF Core's first use (Resident/).
var resident = ResidentHome.For(args);
if (resident is not null && WorkingFolder() is { } workingFolder && await ResidentClient.TryRunAsync(resident, args, workingFolder, interactive,
    Console.Out, Console.Error, cancellation.Token) is { } served)
{
    return served;
}
var app = new CliApp(Console.Out, Console.Error, interactive);
var exit = await app.RunAsync(args, cancellation.Token);
if (resident is not null)
{
    ResidentClient.StartInBackground(resident, Console.Error, interactive);
}
return exit;

// Null when the folder this was started in has been removed since: a command with absolute paths still runs here, as it
// always did, and a resident could not go there.
static string? WorkingFolder()
{
    try
    {
        return Environment.CurrentDirectory;
    }
    catch (IOException)
    {
        return null;
    }
}
