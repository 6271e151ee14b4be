// Evidence runs and is tested on Linux (the CI machine); file modes and signals are Unix facts.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
