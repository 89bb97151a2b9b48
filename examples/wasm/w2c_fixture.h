/* A header in the form wasm2c of wabt >= 1.0.33 writes (w2c_ names, 0xNN
 * escapes), reduced to the declarations tools/wasm_glue.py reads: the
 * sensor's module, for wasm_glue_test.py (Debian has only 1.0.32). */
#include <stdint.h>
typedef uint32_t u32;
typedef uint64_t u64;

struct w2c_0x24root;
struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource;

typedef struct w2c_sensor {
  struct w2c_0x24root* w2c_0x24root_instance;
  struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource* w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource_instance;
  u32 w2c_0x5F_stack_pointer;
} w2c_sensor;

void wasm2c_sensor_instantiate(w2c_sensor*, struct w2c_0x24root*, struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource*);
void wasm2c_sensor_free(w2c_sensor*);

/* import: '$root' '[waitable-set-new]' */
u32 w2c_0x24root_0x5Bwaitable0x2Dset0x2Dnew0x5D(struct w2c_0x24root*);

/* import: '$root' '[waitable-set-wait]' */
u32 w2c_0x24root_0x5Bwaitable0x2Dset0x2Dwait0x5D(struct w2c_0x24root*, u32, u32);

/* import: '[export]example:sensor/source' '[async-lower][stream-write-0]open' */
u32 w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource_0x5Basync0x2Dlower0x5D0x5Bstream0x2Dwrite0x2D00x5Dopen(struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource*, u32, u32, u32);

/* import: '[export]example:sensor/source' '[stream-new-0]open' */
u64 w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource_0x5Bstream0x2Dnew0x2D00x5Dopen(struct w2c_0x5Bexport0x5Dexample0x3Asensor0x2Fsource*);

/* export: 'example:sensor/source#open' */
u32 w2c_sensor_example0x3Asensor0x2Fsource0x23open(w2c_sensor*);
