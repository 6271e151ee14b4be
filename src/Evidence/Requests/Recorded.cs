namespace Evidence.Requests;

/// <summary>
/// The answer of a request whose result is one id (a case, an incident, a tag, a link, a referral):
/// <c>{"id": ...}</c> from the CLI's <c>--json</c> and from the API alike.
/// </summary>
public sealed record Recorded(Guid Id);
