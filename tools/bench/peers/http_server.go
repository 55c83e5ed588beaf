// The Go peer of weft-bench's http case: net/http answering every request with the
// same small body as weft's http_hello demo (a goroutine per connection, keep-alive).
// weft-bench builds it with `go build` and runs it with GOMAXPROCS=1.
//
//	go_http [-address 127.0.0.1:0]
//
// Prints "go_http: listening on http://IP:PORT/" first; exits 0 on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

var hello = []byte("Hello, world\n")

func main() {
	address := flag.String("address", "127.0.0.1:0", "IP:PORT to listen on (port 0: the kernel picks one)")
	flag.Parse()
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go_http: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("go_http: listening on http://%s/ (%s, GOMAXPROCS=%d)\n", listener.Addr(), runtime.Version(), runtime.GOMAXPROCS(0))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		os.Exit(0)
	}()

	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	if err := http.Serve(listener, handler); err != nil {
		fmt.Fprintf(os.Stderr, "go_http: %v\n", err)
		os.Exit(1)
	}
}
