/** The named columns of a generated insert input, each required and set (the input has every column optional). */
export type Columns<Input, Name extends keyof Input> = { [Column in Name]-?: NonNullable<Input[Column]> };
