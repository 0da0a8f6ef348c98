// Package expr is the expression language of the policy language's Targets
// and Conditions: ARPOC's attribute expressions, parsed once and evaluated
// against the attributes of a request.
//
// An expression compares attributes of four categories (subject, object,
// environment, access) with literals and each other, joined by not, and
// and or:
//
//	subject.email matches r'\w+@(student\.)?kit\.edu' and not subject.age < 18
//	exists object.owner and object.owner == subject.sub
//	'admin' in subject.groups or access.method == 'GET'
//
// The grammar, in short (docs/policy-language.md, section "Expressions",
// has it in full, with precedence, values, truth and every operator):
//
//	expression = or ;
//	or         = and , { "or" , and } ;
//	and        = not , { "and" , not } ;
//	not        = "not" , not | comparison ;
//	comparison = unary , [ operator , unary ] ;
//	unary      = "exists" , ( attribute | literal ) | primary ;
//	primary    = attribute | literal | "(" , expression , ")" ;
//	operator   = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "startswith" | "matches" ;
//
// [Parse] reads an expression into an [Expr], computing comparisons of
// literals and refusing type errors among them; [Expr.Eval] evaluates it
// over an [Env], the source of attribute values. An attribute the Env lacks
// stops the evaluation with a [*MissingError]; syntax and type errors are
// [*Error]s that name the column. [Expr.String] prints the expression in a
// canonical form that parses back to the same expression.
package expr
