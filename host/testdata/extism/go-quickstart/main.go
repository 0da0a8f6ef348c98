// Command go-quickstart is a plain Extism plugin written with the official
// Extism Go PDK as its quick start does, with no Gatehouse export:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o go-quickstart.wasm .
//
// count_vowels and greet are the quick start's; name_vowels takes JSON and
// answers JSON, as a component served through plugins.NAME.extism does.
package main

import (
	"strconv"

	"github.com/extism/go-pdk"
)

// countVowels outputs {"count": N}, the vowels of its input.
//
//go:wasmexport count_vowels
func countVowels() int32 {
	output := `{"count": ` + strconv.Itoa(vowels(string(pdk.Input()))) + `}`
	mem := pdk.AllocateString(output)
	pdk.OutputMemory(mem)
	return 0
}

// greet greets its input, or the configured user.
//
//go:wasmexport greet
func greet() int32 {
	name := string(pdk.Input())
	if user, ok := pdk.GetConfig("user"); ok {
		name = user
	}
	if name == "" {
		pdk.SetErrorString("no one to greet")
		return 1
	}
	pdk.OutputString("Hello, " + name + "!")
	return 0
}

// request is what name_vowels reads of an environment request.
type request struct {
	Key     string `json:"key"`
	Context struct {
		Subject map[string]any `json:"subject"`
	} `json:"context"`
}

// nameVowels answers an environment request: the vowels of subject.name,
// or unknown without a name.
//
//go:wasmexport name_vowels
func nameVowels() int32 {
	var req request
	if err := pdk.InputJSON(&req); err != nil {
		pdk.SetError(err)
		return 1
	}
	name, ok := req.Context.Subject["name"].(string)
	if !ok {
		_ = pdk.OutputJSON(map[string]any{})
		return 0
	}
	_ = pdk.OutputJSON(map[string]any{"value": vowels(name)})
	return 0
}

func vowels(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
			n++
		}
	}
	return n
}

func main() {}
