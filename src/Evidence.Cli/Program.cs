using Evidence.Cli;

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
var app = new CliApp(Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
return await app.RunAsync(args, cancellation.Token);
