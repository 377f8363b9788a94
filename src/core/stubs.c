/* TEMPORARY stubs so the library links while the core is written. Delete when done. */
#include "common.h"
#include "object.h"
#include "btf.h"
#include "bpfrun.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
bool mem_is_zero(const void *buf, size_t from, size_t to) { const char *b = buf; for (size_t i = from; i < to; i++) if (b[i]) return false; return true; }
int num_possible_cpus(void) { return (int)sysconf(_SC_NPROCESSORS_CONF); }
int bpfrun_num_possible_cpus(void) { return num_possible_cpus(); }
void bpfrun_warn(const char *fmt, ...) { va_list ap; va_start(ap, fmt); fputs("bpfrun: ", stderr); vfprintf(stderr, fmt, ap); va_end(ap); fputc('\n', stderr); }
int obj_init(struct obj *o, enum obj_type type, const struct obj_ops *ops) { o->type = type; o->ops = ops; o->refcnt = 1; o->usercnt = 0; o->id = 1; o->memfd = -1; return 0; }
void obj_get(struct obj *o) { __atomic_add_fetch(&o->refcnt, 1, __ATOMIC_RELAXED); }
void obj_put(struct obj *o) { if (__atomic_sub_fetch(&o->refcnt, 1, __ATOMIC_ACQ_REL) == 0) o->ops->free(o); }
void obj_get_user(struct obj *o) { __atomic_add_fetch(&o->usercnt, 1, __ATOMIC_RELAXED); obj_get(o); }
void obj_put_user(struct obj *o) { if (__atomic_sub_fetch(&o->usercnt, 1, __ATOMIC_ACQ_REL) == 0 && o->ops->release_user) o->ops->release_user(o); obj_put(o); }
bool obj_get_unless_zero(struct obj *o) { obj_get(o); return true; }
int obj_fd_new(struct obj *o, u32 fd_flags) { return -ENOSYS; }
struct obj *obj_from_fd(int fd, enum obj_type type, u32 *fd_flags) { return ERR_PTR(-EBADF); }
int obj_fd_close(int fd) { return close(fd); }
void obj_fd_dup_notify(int oldfd, int newfd) {}
void obj_fd_close_range_notify(unsigned int lo, unsigned int hi) {}
bool obj_fd_is_object(int fd) { return false; }
struct obj *obj_by_id(enum obj_type type, u32 id) { return NULL; }
u32 obj_next_id(enum obj_type type, u32 start) { return 0; }
int pin_add(const char *path, struct obj *o) { return -ENOSYS; }
struct obj *pin_get(const char *path) { return ERR_PTR(-ENOENT); }
int pin_remove(const char *path) { return -ENOENT; }
bool pin_exists(const char *path) { return false; }
bool pin_dir_is_bpffs(const char *path) { return false; }
int btf_load(union bpf_attr *attr) { return -ENOSYS; }
struct btf_obj *btf_from_fd(int fd) { return ERR_PTR(-EBADF); }
int btf_get_info(struct btf_obj *b, struct bpf_btf_info *info) { return -ENOSYS; }
int btf_find_special_field(const struct btf_obj *b, u32 type_id, const char *struct_name, u32 size, u32 align) { return -1; }
long btf_type_size(const struct btf_obj *b, u32 type_id) { return -EINVAL; }
int bpfrun_close(int fd) { return close(fd); }
int bpfrun_dup(int fd) { return dup(fd); }
int bpfrun_dup2(int oldfd, int newfd) { return dup2(oldfd, newfd); }
