// Package lang reads and writes the model language: the text form of a
// socio-technical model ([model.Model]), with locations joined by guarded
// connections, possessibles (credentials and documents), and actors with
// roles, holdings, a start location and goals.
//
// A small model:
//
//	locations { street; lobby; office; }
//	roles { staff; }
//	possessibles { credential badge; document payroll at office; }
//	actors {
//	  alice { roles staff; at street; holds badge; goals office; };
//	  mallory { at street; goals payroll; };
//	}
//	connections {
//	  street <-> lobby { *: m (0%, 1) };
//	  lobby -> office { badge: mlog (0%, 1)  *: m (30%, 4) };
//	}
//	policies { payroll { staff: rlog (0%, 2)  *: t (20%, 1) }; }
//
// A model is a list of sections, in any order; each connection and policy
// is a list of clauses "requirement: action (risk%, time)". The grammar,
// in short (docs/model-language.md defines the language in full: lexical
// structure, meaning, implicit declarations and errors):
//
//	Model       = { Section } .
//	Section     = Locations | Roles | Possessibles | Actors | Connections | Policies .
//	Connection  = Name ( "->" | "<->" ) Name "{" { Clause [ ";" ] } "}" [ ";" ] .
//	Clause      = Requirement ":" Action [ Annotation ] .
//	Requirement = "*" | NameList .
//	Annotation  = "(" Number "%" "," Number ")" .
//
// [Parse] reads a model and checks it, reporting every semantic error as an
// [ErrorList] of [*Error]s that name line and column. [Format] writes a
// model in the canonical printed form, which [Parse] reads back to an equal
// model; [Clause] and [Quote] print one clause and one name.
package lang
