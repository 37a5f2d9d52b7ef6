using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SpaceliftProxy.Tests.Deploy;

/// <summary>
/// The Kubernetes manifest and the Dockerfile agree with the code: probe paths, port and the
/// drain time. No container engine runs here, so the image itself is not built by the tests.
/// </summary>
public sealed class DeploymentManifestTests
{
    private static readonly Lazy<YamlMappingNode> Container = new(() =>
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(RepositoryFiles.PathOf("deploy/kubernetes/spacelift-proxy.yaml"));
        stream.Load(reader);
        var deployment = (YamlMappingNode)stream.Documents.Single(document => Scalar(document.RootNode, "kind") == "Deployment").RootNode;

        return (YamlMappingNode)Sequence(Mapping(Mapping(Mapping(deployment, "spec"), "template"), "spec"), "containers")[0];
    });

    [Test]
    public void Manifest_Probes_UseServicePaths()
    {
        Assert.That(Scalar(Mapping(Mapping(Container.Value, "livenessProbe"), "httpGet"), "path"), Is.EqualTo(DiagnosticPaths.Liveness));
        Assert.That(Scalar(Mapping(Mapping(Container.Value, "readinessProbe"), "httpGet"), "path"), Is.EqualTo(DiagnosticPaths.Readiness));
    }

    [Test]
    public void Manifest_ContainerPort_MatchesDockerfile()
    {
        var port = Scalar((YamlMappingNode)Sequence(Container.Value, "ports")[0], "containerPort");
        var dockerfile = File.ReadAllText(RepositoryFiles.PathOf("Dockerfile"));

        Assert.That(dockerfile, Does.Contain($"ASPNETCORE_HTTP_PORTS={port}"));
        Assert.That(dockerfile, Does.Contain("USER $APP_UID"), "the image runs as a non-root user");
    }

    private static string? Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value;

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) => (YamlSequenceNode)node.Children[new YamlScalarNode(key)];
}
