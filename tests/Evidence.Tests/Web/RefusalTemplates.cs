using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Evidence.Tests.Web;

/// <summary>
/// Reads the sources of the core and the web app (syntax only, nothing is compiled) and lists every message template a
/// refusal can carry, in the form the web app's table of translations (Resources/Localization/Refusals.uk.resx) names
/// them: the English text with {0}, {1}... where the source interpolates a value.
/// <para>Where the messages come from:</para>
/// <list type="bullet">
/// <item>the message argument of every <c>new InvalidRequestException/NotFoundException/ForbiddenException/UnavailableException/DamagedBlobException(...)</c>;</item>
/// <item>every text written in a <c>Validate</c> method (the problems a form's request can have, and the names of its fields);</item>
/// <item>and, from both, every method of these sources that returns a string and that they call (<c>Fields.Required</c>,
/// <c>PartialDate.Normalize</c>, a request's own checks), followed by name, and every local variable they pass on.</item>
/// </list>
/// A conditional inside a message (<c>{(x is null ? "" : " and the perpetrator")}</c>) gives one template per branch; any
/// other interpolated value is a placeholder. Following methods by name can only find more texts than a compiler
/// would, never fewer: a text found that no user sees costs one translation, a text missed would show in English.
/// </summary>
internal static class RefusalTemplates
{
    private static readonly HashSet<string> Refusals = ["InvalidRequestException", "NotFoundException", "ForbiddenException", "UnavailableException", "DamagedBlobException"];

    public sealed record Template(string Text, string Where);

    public static IReadOnlyList<Template> Find(params string[] folders)
    {
        var trees = folders
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                            && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                            && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: Path.GetRelativePath(Fixtures.Repo.Root, f))))
            .ToList();
        var finder = new Finder(trees.SelectMany(t => t.GetRoot().DescendantNodes())
            .Where(n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax && ReturnsText(n))
            .ToLookup(n => n is MethodDeclarationSyntax m ? m.Identifier.ValueText : ((LocalFunctionStatementSyntax)n).Identifier.ValueText));
        foreach (var node in trees.SelectMany(t => t.GetRoot().DescendantNodes()))
        {
            switch (node)
            {
                case ObjectCreationExpressionSyntax create when Refusals.Contains(RightmostName(create.Type)) && create.ArgumentList?.Arguments.Count > 0:
                    finder.Message(create.ArgumentList.Arguments[0].Expression);
                    break;
                case ImplicitObjectCreationExpressionSyntax create when create.ArgumentList.Arguments.Count > 0
                        && create.Ancestors().OfType<MethodDeclarationSyntax>().FirstOrDefault() is { } method && Refusals.Contains(RightmostName(method.ReturnType)):
                    finder.Message(create.ArgumentList.Arguments[0].Expression);
                    break;
                case MethodDeclarationSyntax { Identifier.ValueText: "Validate" } validate:
                    finder.AllTextsIn(validate);
                    break;
            }
        }
        return [.. finder.Found.Where(t => IsSentence(t.Text)).DistinctBy(t => t.Text).OrderBy(t => t.Text, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Words, not a separator, a lone placeholder or a single token: ", ", "{0}", "image/png" and "captured-at" (names of
    /// fields and formats the checks compare with) are no message; "the title" (a field a message names) is.
    /// </summary>
    private static bool IsSentence(string template)
    {
        var words = System.Text.RegularExpressions.Regex.Replace(template, @"\{\d+\}", "").Trim();
        return words.Count(char.IsLetter) >= 2 && words.Contains(' ', StringComparison.Ordinal);
    }

    private static bool ReturnsText(SyntaxNode method)
    {
        var type = method is MethodDeclarationSyntax m ? m.ReturnType : ((LocalFunctionStatementSyntax)method).ReturnType;
        return type.ToString().Contains("string", StringComparison.Ordinal);
    }

    private static string RightmostName(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        _ => type.ToString(),
    };

    private sealed class Finder(ILookup<string, SyntaxNode> methods)
    {
        private readonly HashSet<SyntaxNode> followed = [];

        public List<Template> Found { get; } = [];

        /// <summary>A message handed to a refusal: its templates, following what it is made of.</summary>
        public void Message(ExpressionSyntax expression)
        {
            foreach (var text in Texts(expression))
            {
                Found.Add(new Template(Renumber(text), Where(expression)));
            }
        }

        /// <summary>Every text written in a method (and what it calls): its problems, and the names of fields it passes on.</summary>
        public void AllTextsIn(SyntaxNode method)
        {
            if (!followed.Add(method))
            {
                return;
            }
            foreach (var node in method.DescendantNodes())
            {
                switch (node)
                {
                    case LiteralExpressionSyntax or InterpolatedStringExpressionSyntax when !node.Ancestors().Any(a => a is InterpolatedStringExpressionSyntax):
                        Message((ExpressionSyntax)node);
                        break;
                    case InvocationExpressionSyntax call:
                        Follow(call);
                        break;
                }
            }
        }

        private void Follow(InvocationExpressionSyntax call)
        {
            var name = call.Expression switch
            {
                MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                SimpleNameSyntax simple => simple.Identifier.ValueText,
                _ => null,
            };
            if (name is null)
            {
                return;
            }
            // The texts handed to a check are the names it puts in its message: Normalize("The date of birth", ...).
            foreach (var argument in call.ArgumentList.Arguments.Where(a => a.Expression is LiteralExpressionSyntax or InterpolatedStringExpressionSyntax))
            {
                Message(argument.Expression);
            }
            foreach (var method in methods[name])
            {
                AllTextsIn(method);
            }
        }

        /// <summary>The templates an expression can be: one per branch of a conditional, a placeholder per other value.</summary>
        private List<string> Texts(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression):
                    return [literal.Token.ValueText];
                case LiteralExpressionSyntax:
                    return [];
                case ParenthesizedExpressionSyntax parenthesized:
                    return Texts(parenthesized.Expression);
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } bang:
                    return Texts(bang.Operand);
                case ConditionalExpressionSyntax conditional:
                    return [.. Texts(conditional.WhenTrue), .. Texts(conditional.WhenFalse)];
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } sum:
                    return [.. from left in Parts(sum.Left) from right in Parts(sum.Right) select left + right];
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression } coalesce:
                    return [.. Texts(coalesce.Left), .. Texts(coalesce.Right)];
                case InterpolatedStringExpressionSyntax interpolated:
                    return [.. Interpolated(interpolated)];
                case IdentifierNameSyntax name:
                    Local(name);
                    return [];
                case InvocationExpressionSyntax call:
                    Follow(call);
                    return [];
                default:
                    return [];
            }
        }

        /// <summary>One side of a concatenation: its texts, or a placeholder when it is a value.</summary>
        private List<string> Parts(ExpressionSyntax expression)
        {
            var texts = Texts(expression);
            return texts.Count > 0 ? texts : ["{}"];
        }

        private IEnumerable<string> Interpolated(InterpolatedStringExpressionSyntax interpolated)
        {
            IEnumerable<string> so = [""];
            foreach (var content in interpolated.Contents)
            {
                List<string> next = content switch
                {
                    InterpolatedStringTextSyntax text => [text.TextToken.ValueText],
                    InterpolationSyntax { FormatClause: null, AlignmentClause: null } value when Unwrap(value.Expression) is ConditionalExpressionSyntax or LiteralExpressionSyntax
                        => Texts(value.Expression) is { Count: > 0 } branches ? branches : ["{}"],
                    _ => ["{}"],
                };
                so = [.. from before in so from part in next select before + part];
            }
            return so;
        }

        private static ExpressionSyntax Unwrap(ExpressionSyntax expression) => expression is ParenthesizedExpressionSyntax p ? Unwrap(p.Expression) : expression;

        /// <summary>A local variable handed on as a message: what it was given, in the same member.</summary>
        private void Local(IdentifierNameSyntax name)
        {
            var member = name.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax);
            if (member is null || !followed.Add(name))
            {
                return;
            }
            foreach (var node in member.DescendantNodes())
            {
                switch (node)
                {
                    case VariableDeclaratorSyntax { Initializer: { } initializer } variable when variable.Identifier.ValueText == name.Identifier.ValueText:
                        Message(initializer.Value);
                        break;
                    case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } assignment when left.Identifier.ValueText == name.Identifier.ValueText:
                        Message(assignment.Right);
                        break;
                    case DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax declared, Parent: ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call } }
                            when declared.Identifier.ValueText == name.Identifier.ValueText:
                        Follow(call); // out var problem: the call wrote it
                        break;
                    case IsPatternExpressionSyntax pattern when pattern.Pattern.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Any(d => d.Identifier.ValueText == name.Identifier.ValueText):
                        Message(pattern.Expression);
                        break;
                }
            }
        }

        /// <summary>"{}" holes numbered in order, as string.Format numbers them.</summary>
        private static string Renumber(string template)
        {
            var text = new StringBuilder();
            var n = 0;
            for (var i = 0; i < template.Length; i++)
            {
                if (template[i] == '{' && i + 1 < template.Length && template[i + 1] == '}')
                {
                    text.Append('{').Append(n++).Append('}');
                    i++;
                }
                else
                {
                    text.Append(template[i]);
                }
            }
            return text.ToString();
        }

        private static string Where(SyntaxNode node) => $"{node.SyntaxTree.FilePath}:{node.GetLocation().GetLineSpan().StartLinePosition.Line + 1}";
    }
}
