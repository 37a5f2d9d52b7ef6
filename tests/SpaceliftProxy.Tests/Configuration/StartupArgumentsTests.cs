using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Tests.Configuration;

[TestFixture]
public sealed class StartupArgumentsTests
{
    [Test]
    public void Parse_NoArguments_ReturnsDefaults()
    {
        var arguments = StartupArguments.Parse([]);

        Assert.That(arguments.Demo, Is.False);
        Assert.That(arguments.ConfigFiles, Is.Empty);
        Assert.That(arguments.Remaining, Is.Empty);
    }

    [Test]
    public void Parse_DemoFlag_SetsDemo()
    {
        var arguments = StartupArguments.Parse(["--demo"]);

        Assert.That(arguments.Demo, Is.True);
        Assert.That(arguments.Remaining, Is.Empty);
    }

    [Test]
    public void Parse_DemoBeforeConfig_KeepsBoth()
    {
        var arguments = StartupArguments.Parse(["--demo", "--config", "app-config.yaml"]);

        Assert.That(arguments.Demo, Is.True);
        Assert.That(arguments.ConfigFiles, Is.EqualTo<string[]>(["app-config.yaml"]));
        Assert.That(arguments.Remaining, Is.Empty);
    }

    [Test]
    public void Parse_ConfigWithSeparateValue_AddsFile()
    {
        var arguments = StartupArguments.Parse(["--config", "/etc/backstage/app-config.yaml"]);

        Assert.That(arguments.ConfigFiles, Is.EqualTo<string[]>(["/etc/backstage/app-config.yaml"]));
        Assert.That(arguments.Demo, Is.False);
    }

    [Test]
    public void Parse_ConfigWithEquals_AddsFile()
    {
        var arguments = StartupArguments.Parse(["--config=app-config.production.yaml"]);

        Assert.That(arguments.ConfigFiles, Is.EqualTo<string[]>(["app-config.production.yaml"]));
    }

    [Test]
    public void Parse_EqualsInFileName_KeepsName()
    {
        var arguments = StartupArguments.Parse(["--config=configs/a=b.yaml"]);

        Assert.That(arguments.ConfigFiles, Is.EqualTo<string[]>(["configs/a=b.yaml"]));
    }

    [Test]
    public void Parse_RepeatedConfig_KeepsOrder()
    {
        var arguments = StartupArguments.Parse(
            ["--config", "app-config.yaml", "--config=app-config.production.yaml", "--config", "app-config.local.yaml"]);

        Assert.That(
            arguments.ConfigFiles,
            Is.EqualTo<string[]>(["app-config.yaml", "app-config.production.yaml", "app-config.local.yaml"]));
    }

    [Test]
    public void Parse_OtherArguments_PassedThroughInOrder()
    {
        var arguments = StartupArguments.Parse(
            ["--urls", "http://+:8080", "--demo", "--Spacelift:ReadOnly=true", "--config", "a.yaml", "Logging:LogLevel:Default=Debug"]);

        Assert.That(
            arguments.Remaining,
            Is.EqualTo<string[]>(["--urls", "http://+:8080", "--Spacelift:ReadOnly=true", "Logging:LogLevel:Default=Debug"]));
        Assert.That(arguments.ConfigFiles, Is.EqualTo<string[]>(["a.yaml"]));
        Assert.That(arguments.Demo, Is.True);
    }

    [Test]
    public void Parse_ConfigAtEnd_ThrowsWithFix()
    {
        var exception = Assert.Throws<StartupException>(() => StartupArguments.Parse(["--demo", "--config"]));

        Assert.That(exception.Message, Does.Contain("--config requires a file name"));
        Assert.That(exception.Message, Does.Contain("--config app-config.yaml"));
    }

    [Test]
    public void Parse_ConfigFollowedBySwitch_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => StartupArguments.Parse(["--config", "--demo"]));

        Assert.That(exception.Message, Does.Contain("--config requires a file name"));
    }

    [Test]
    public void Parse_ConfigEqualsWithoutFile_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => StartupArguments.Parse(["--config="]));

        Assert.That(exception.Message, Does.Contain("--config requires a file name"));
    }

    [Test]
    public void Parse_DemoWithValue_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => StartupArguments.Parse(["--demo=true"]));

        Assert.That(exception.Message, Does.Contain("'--demo=true'"));
        Assert.That(exception.Message, Does.Contain("takes no value"));
    }
}
