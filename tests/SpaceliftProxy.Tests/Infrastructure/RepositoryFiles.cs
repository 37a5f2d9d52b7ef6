namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>Files of this repository, found from the test's output folder.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SpaceliftProxy.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No SpaceliftProxy.sln above {AppContext.BaseDirectory}.");
    }
}
