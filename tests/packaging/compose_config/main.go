// compose-config: loads Compose files as `docker compose config` does (compose-go, the
// library docker compose itself uses: interpolation from the environment and .env,
// normalization, schema and consistency checks) and prints the resolved project as JSON.
// Exits 1 with the loader's error. Used by tests/packaging/test_compose.py; built into
// .tools/bin by scripts/install-packaging-tools.sh.
// Usage: compose-config FILE...
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config FILE...")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithDotEnv, cli.WithConsistency(true))
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
