// A registry that answers the OCI 1.1 referrers API (GET /v2/<name>/referrers/<digest>), for stowage's tests of
// that API (issue 20 item 3): go-containerregistry's registry (Debian's golang-github-google-go-containerregistry-dev)
// with its referrers support turned on, in memory, on the loopback address given. The CNCF registry 2.8 that Debian
// ships has no referrers API, and `crane registry serve` leaves it off.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: stowage-referrers-registry 127.0.0.1:PORT")
		os.Exit(2)
	}
	if err := http.ListenAndServe(os.Args[1], registry.New(registry.WithReferrersSupport(true))); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
