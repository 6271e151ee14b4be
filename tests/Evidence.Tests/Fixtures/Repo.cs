namespace Evidence.Tests.Fixtures;

/// <summary>Paths inside this repository, found from the test assembly's location.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Evidence.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Evidence.sln not found above the test assembly.");
    }
}
