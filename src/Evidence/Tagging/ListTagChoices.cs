using Evidence.Access;
using Evidence.Cases;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tagging;

/// <summary>
/// What an investigator may choose from when tagging, so that no form asks them to type an ID: the perpetrators on
/// record, the children they may name (by pseudonym code, age and status: never an identity), and, per article an
/// incident they see is qualified under, its elements with their text.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record ListTagChoices : IRequest<TagChoices>;

public sealed record TagChoices(IReadOnlyList<PerpetratorChoice> Perpetrators, IReadOnlyList<VictimChoice> Victims, IReadOnlyList<ElementChoice> Elements);

public sealed record PerpetratorChoice(Guid Id, string Name, string Kind);

public sealed record VictimChoice(string Code, int? AgeAtIncident, string Status);

/// <summary>One element of crimes, as a tag takes it ("8(2)(a)(vii)-1:1") and as a person reads it (its article and text).</summary>
public sealed record ElementChoice(string Element, string Article, string ArticleTitle, int Number, string Text);

internal sealed class ListTagChoicesHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<ListTagChoices, TagChoices>
{
    public async Task<TagChoices> Handle(ListTagChoices request, CancellationToken cancellationToken)
    {
        var perpetrators = await db.Perpetrators.AsNoTracking().OrderBy(p => p.Name).Select(p => new { p.Id, p.Name, p.Kind }).ToListAsync(cancellationToken);
        // Only the children this investigator may name in a tag: an unseen code must stay unknown (Visibility.Victims).
        var victims = await Visibility.Victims(db, actor.Value).AsNoTracking().OrderBy(v => v.Code).Select(v => new { v.Code, v.AgeAtIncident, v.Status }).ToListAsync(cancellationToken);
        var articles = (await Visibility.Incidents(db, actor.Value).AsNoTracking().Select(i => i.Articles).ToListAsync(cancellationToken))
            .SelectMany(a => a).Distinct().Order(StringComparer.Ordinal);
        var elements = articles.Select(ElementsOfCrimes.Catalogue.Find).OfType<ElementsOfCrimes.Article>()
            .SelectMany(a => a.Elements.Select((text, i) => new ElementChoice($"{a.Key}:{i + 1}", a.Key, a.Title, i + 1, text))).ToList();
        return new TagChoices(
            perpetrators.Select(p => new PerpetratorChoice(p.Id, p.Name, p.Kind.ToString())).ToList(),
            victims.Select(v => new VictimChoice(v.Code, v.AgeAtIncident, v.Status.ToString())).ToList(),
            elements);
    }
}
