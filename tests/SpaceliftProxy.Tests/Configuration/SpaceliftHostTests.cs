using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Tests.Configuration;

public sealed class SpaceliftHostTests
{
    [TestCase("acme.app.spacelift.io", "https://acme.app.spacelift.io/graphql")]
    [TestCase("https://acme.app.spacelift.io", "https://acme.app.spacelift.io/graphql")]
    [TestCase("https://acme.app.spacelift.io/", "https://acme.app.spacelift.io/graphql")]
    [TestCase("HTTPS://Acme.App.Spacelift.io", "https://acme.app.spacelift.io/graphql")]
    [TestCase("  acme.app.us.spacelift.io  ", "https://acme.app.us.spacelift.io/graphql")]
    [TestCase("https://acme.app.spacelift.io/graphql", "https://acme.app.spacelift.io/graphql")]
    [TestCase("spacelift.internal.example.com:8443", "https://spacelift.internal.example.com:8443/graphql")]
    [TestCase("http://127.0.0.1:5000", "http://127.0.0.1:5000/graphql")]
    [TestCase("http://localhost:5000", "http://localhost:5000/graphql")]
    [TestCase("http://[::1]:5000", "http://[::1]:5000/graphql")]
    public void Parse_AcceptedForms_NormalisedToGraphQLEndpoint(string value, string expected)
    {
        var host = SpaceliftHost.Parse(value);

        Assert.That(host.GraphQLEndpoint.ToString(), Is.EqualTo(expected));
    }

    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    [TestCase("http://acme.app.spacelift.io", "loopback")]
    [TestCase("http://10.0.0.1", "loopback")]
    [TestCase("ftp://acme.app.spacelift.io", "scheme")]
    [TestCase("https://acme.app.spacelift.io/some/path", "path")]
    [TestCase("https://user:pass@acme.app.spacelift.io", "user information")]
    [TestCase("https://acme.app.spacelift.io?x=1", "query")]
    [TestCase("acme app", "host")]
    public void TryParse_RejectedForms_SayWhy(string value, string reason)
    {
        var accepted = SpaceliftHost.TryParse(value, out _, out var error);

        Assert.That(accepted, Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void RunPage_BuiltFromHost()
    {
        var host = SpaceliftHost.Parse("acme.app.spacelift.io");

        Assert.That(host.RunPage("payments-api", "01HQ").ToString(), Is.EqualTo("https://acme.app.spacelift.io/stack/payments-api/run/01HQ"));
        Assert.That(host.StackPage("payments-api").ToString(), Is.EqualTo("https://acme.app.spacelift.io/stack/payments-api"));
    }

    [Test]
    public void Authority_KeepsNonDefaultPort()
    {
        Assert.That(SpaceliftHost.Parse("acme.app.spacelift.io").Authority, Is.EqualTo("acme.app.spacelift.io"));
        Assert.That(SpaceliftHost.Parse("http://127.0.0.1:5000").Authority, Is.EqualTo("127.0.0.1:5000"));
    }
}
