using System.Runtime.CompilerServices;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// The suite's command-line processes (ServeProcess, CliTests) start no resident process (src/Evidence.Cli/Resident): one
/// per test home would warm itself up on the suite's two cores, and leave a socket in homes that tests read file by file.
/// ResidentTests turns it on where it tests it. Set before any test runs, so every process the suite starts inherits it.
/// </summary>
internal static class NoResidents
{
#pragma warning disable CA2255 // a test assembly is loaded by its runner only, once; this is the environment of that run
    [ModuleInitializer]
    internal static void SwitchOff() => Environment.SetEnvironmentVariable("EVIDENCE_RESIDENT", "off");
#pragma warning restore CA2255
}
