using Evidence.Domain;

namespace Evidence.Referrals;

/// <summary>
/// The order a package gives its items: each original followed by the items made from it (a translation, a transcript, a
/// redaction), and their own derived items after each, in the order they were collected. The Leiden Guidelines ask that a
/// translation or transcript travel with its item as part of the same evidence; placed together, they are read together.
/// </summary>
internal static class Families
{
    /// <summary>The items in package order, and for each the first item of its family (its original, when that is in the package).</summary>
    /// <param name="items">The package's items in the order they were collected.</param>
    /// <param name="statements">Each item's statement in force, which says what it was made from.</param>
    public static (List<EvidenceItem> Ordered, Dictionary<Guid, Guid> FamilyOf) Arrange(IReadOnlyList<EvidenceItem> items, IReadOnlyDictionary<Guid, ItemMetadata> statements)
    {
        var inPackage = items.Select(i => i.Id).ToHashSet();
        var children = items.Where(i => MadeFrom(statements, i.Id) is { } from && inPackage.Contains(from)).ToLookup(i => MadeFrom(statements, i.Id)!.Value);
        var ordered = new List<EvidenceItem>(items.Count);
        var familyOf = new Dictionary<Guid, Guid>();
        foreach (var item in items.Where(i => MadeFrom(statements, i.Id) is not { } from || !inPackage.Contains(from)))
        {
            Place(item, item.Id);
        }
        // Items stated as made from one another in a circle have no original among them: each begins a family of its own.
        foreach (var item in items.Where(i => !familyOf.ContainsKey(i.Id)))
        {
            Place(item, item.Id);
        }
        return (ordered, familyOf);

        void Place(EvidenceItem first, Guid family)
        {
            // Depth first without recursion, so that a long chain of derived items cannot exhaust the stack.
            var pending = new Stack<EvidenceItem>([first]);
            while (pending.TryPop(out var item))
            {
                if (!familyOf.TryAdd(item.Id, family))
                {
                    continue;
                }
                ordered.Add(item);
                foreach (var child in children[item.Id].Reverse())
                {
                    pending.Push(child);
                }
            }
        }
    }

    /// <summary>The item a derived item was made from, as its statement in force says; null for an original, a copy or an unstated item.</summary>
    public static Guid? MadeFrom(IReadOnlyDictionary<Guid, ItemMetadata> statements, Guid id) =>
        statements.GetValueOrDefault(id) is { Generation: ItemGeneration.Derived, DerivedFrom: { } from } && from != id ? from : null;
}
