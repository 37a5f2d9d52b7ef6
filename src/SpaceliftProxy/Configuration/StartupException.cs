namespace SpaceliftProxy.Configuration;

/// <summary>
/// Invalid startup input, such as a bad command line or app-config file. The message is shown to
/// the operator as is, so it names the problem and the fix.
/// </summary>
internal sealed class StartupException(string message) : Exception(message);
