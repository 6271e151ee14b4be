using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using OtpNet;

namespace Evidence.Tests.Web;

/// <summary>
/// Two-factor sign-in in real headless Chromium, in English and in Ukrainian (chosen with the header's language switch): a
/// prosecutor signs in, replaces the printed password, is sent to enrol, reads the key from the page, computes the code as
/// an app would, sees the recovery codes, signs out and signs in again with a code. Each step is saved as a screenshot under
/// the test output's screenshots/ folder, named by language ("uk-11-two-factor-enrol.png"); all four carry the number 11,
/// as the upload's several pictures all carry 17, so that no other feature's picture shares it.
/// </summary>
[Trait("Category", "Browser")]
public sealed class TwoFactorBrowserTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Theory]
    [InlineData("en", "Two-factor sign-in", "Your recovery codes")]
    [InlineData("uk", "Двофакторний вхід", "Ваші коди відновлення")]
    public async Task Prosecutor_EnrolsReadingTheKey_ThenSignsInWithACode_InChromium(string language, string enrolHeading, string codesHeading)
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var user = scenario.IccProsecutor;
        Directory.CreateDirectory(Screenshots);
        using var browser = BrowserFlowTests.Chromium(Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, $"{language}-{name}.png"));

        // The language switch in the header, before signing in.
        browser.Navigate().GoToUrl(new Uri(server.Address, "/Account/SignIn"));
        browser.FindElement(By.CssSelector($"form.language button[value='{language}']")).Click();
        wait.Until(b => b.FindElement(By.TagName("html")).GetAttribute("lang") == language);
        browser.FindElement(By.Name("UserName")).SendKeys(user.Name);
        browser.FindElement(By.Name("Password")).SendKeys(user.Password);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.Url.Contains("/Account/ChangePassword", StringComparison.Ordinal));
        var password = user.Password + "Own7";
        browser.FindElement(By.Name("Current")).SendKeys(user.Password);
        browser.FindElement(By.Name("New")).SendKeys(password);
        browser.FindElement(By.Id("change-password")).Click();

        // Sent to enrol before any page; the key is read from the page as a person would type it into their app.
        wait.Until(b => b.Url.Contains("/Account/TwoFactor", StringComparison.Ordinal));
        Assert.Equal(enrolHeading, browser.FindElement(By.TagName("h1")).Text);
        Assert.True(browser.FindElement(By.Id("qr")).GetAttribute("naturalWidth") is { } width && int.Parse(width, System.Globalization.CultureInfo.InvariantCulture) > 0, "the QR code is shown");
        Shot("11-two-factor-enrol");
        var key = browser.FindElement(By.Id("key")).Text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var totp = new Totp(Base32Encoding.ToBytes(key));
        browser.FindElement(By.Id("enrol-code")).SendKeys(totp.ComputeTotp(DateTime.UtcNow));
        browser.FindElement(By.Id("enrol-submit")).Click();
        wait.Until(b => b.FindElements(By.Id("recovery-codes")).Count > 0);
        Assert.Equal(codesHeading, browser.FindElement(By.Id("recovery-codes-title")).Text);
        Assert.Equal(10, browser.FindElements(By.CssSelector("#recovery-codes li code")).Count);
        Shot("11-two-factor-recovery-codes");
        browser.FindElement(By.Id("continue")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".who button")).Count > 0 && !b.Url.Contains("/Account/", StringComparison.Ordinal));

        // Signed out, the password leads to the code; the code of the next step (each step is accepted once) signs in.
        browser.FindElement(By.CssSelector(".who button")).Click();
        wait.Until(b => b.FindElements(By.Name("UserName")).Count > 0);
        browser.FindElement(By.Name("UserName")).SendKeys(user.Name);
        browser.FindElement(By.Name("Password")).SendKeys(password);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.Url.Contains("/Account/SignInCode", StringComparison.Ordinal));
        Assert.Equal(language, browser.FindElement(By.TagName("html")).GetAttribute("lang"));
        Assert.Equal(enrolHeading, browser.FindElement(By.TagName("h1")).Text);
        Shot("11-two-factor-code");
        browser.FindElement(By.Id("code")).SendKeys(totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        browser.FindElement(By.Id("code-submit")).Click();
        wait.Until(b => !b.Url.Contains("/Account/", StringComparison.Ordinal));
        browser.Navigate().GoToUrl(new Uri(server.Address, "/packages"));
        Assert.Contains(user.Name, browser.FindElement(By.CssSelector(".who span")).Text, StringComparison.Ordinal);
        Assert.Contains("/packages", browser.Url, StringComparison.Ordinal);
        Shot("11-two-factor-signed-in");
    }

}
