/* bpfrun_prog_type_supported / bpfrun_map_type_supported (include/bpfrun.h): whether a
 * type is one bpfrun runs, from the two registries.  No state, no locking. */
#include "bpfrun.h"
#include "../maps/map.h"
#include "../prog/types.h"

int bpfrun_prog_type_supported(uint32_t prog_type)
{
	return prog_type_ops_for(prog_type) != NULL;
}

int bpfrun_map_type_supported(uint32_t map_type)
{
	return map_ops_for_type(map_type) != NULL;
}
