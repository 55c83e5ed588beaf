// The Go peer of weft-bench's echo case: a goroutine per connection echoes every byte
// back, the way Go's standard library is meant to be used (the runtime's netpoller
// parks a goroutine on EAGAIN). weft-bench builds it with `go build` and runs it with
// GOMAXPROCS=1, so it serves on one thread like weft's single worker.
//
//	go_echo [-address 127.0.0.1:0]
//
// Prints "go_echo: listening on IP:PORT" first; on SIGINT or SIGTERM it prints its
// totals and exits 0.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

// The same per-connection buffer as weft's echo_server and the hand-written epoll peer.
const bufferBytes = 16384

var connections, bytesEchoed atomic.Uint64

func serve(c net.Conn) {
	defer c.Close()
	buffer := make([]byte, bufferBytes)
	for {
		n, err := c.Read(buffer)
		if n > 0 {
			if _, werr := c.Write(buffer[:n]); werr != nil {
				return
			}
			bytesEchoed.Add(uint64(n))
		}
		if err != nil {
			return
		}
	}
}

func main() {
	address := flag.String("address", "127.0.0.1:0", "IP:PORT to listen on (port 0: the kernel picks one)")
	flag.Parse()
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go_echo: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("go_echo: listening on %s (%s, GOMAXPROCS=%d)\n", listener.Addr(), runtime.Version(), runtime.GOMAXPROCS(0))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		fmt.Printf("go_echo: %d connections, %d bytes echoed\n", connections.Load(), bytesEchoed.Load())
		os.Exit(0)
	}()

	for {
		c, err := listener.Accept()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go_echo: accept: %v\n", err)
			time.Sleep(10 * time.Millisecond) // out of fds: back off instead of spinning
			continue
		}
		connections.Add(1)
		go serve(c)
	}
}
