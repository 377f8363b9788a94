// A cilium/ebpf loader for tests/cli/test_runtime.sh: the Go runtime makes its bpf()
// calls itself, with no libc.  The same steps as loader.c: load OBJ (procs_solo.bpf.o),
// pin the maps under DIR, arm the timer, check that it fires, exit.
// Usage: loader OBJ DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cilium/ebpf"
)

func count(m *ebpf.Map) uint64 {
	var v uint64
	m.Lookup(uint32(0), &v)
	return v
}

func run(p *ebpf.Program) int {
	ret, _, err := p.Test(make([]byte, 64))
	if err != nil {
		return -1
	}
	return int(ret)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: loader OBJ DIR")
		os.Exit(2)
	}
	spec, err := ebpf.LoadCollectionSpec(os.Args[1])
	if err == nil {
		var coll *ebpf.Collection
		coll, err = ebpf.NewCollection(spec)
		if err == nil {
			defer coll.Close()
			fmt.Println("load: ok")
			for name, m := range map[string]*ebpf.Map{"solo_tmap": coll.Maps["solo_tmap"], "solo_count": coll.Maps["solo_count"]} {
				if e := m.Pin(filepath.Join(os.Args[2], name)); e != nil {
					fmt.Println("pin", name+":", e)
				}
			}
			fmt.Println("pin maps: ok")
			fmt.Println("arm:", run(coll.Programs["solo_arm"]))
			time.Sleep(200 * time.Millisecond)
			first := count(coll.Maps["solo_count"])
			time.Sleep(200 * time.Millisecond)
			fmt.Println("firing:", first > 0 && count(coll.Maps["solo_count"]) > first)
			fmt.Println("init while armed:", run(coll.Programs["solo_init"]))
			return
		}
	}
	fmt.Println("load:", err)
	os.Exit(1)
}
