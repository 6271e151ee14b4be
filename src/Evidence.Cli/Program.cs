using Evidence.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C cancels the running request cleanly (its staged blob is discarded); a second one kills.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};
var app = new CliApp(Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
return await app.RunAsync(args, cancellation.Token);
