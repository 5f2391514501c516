// ink-text-input, with Enter honoured when it arrives in the same chunk as the text before it: over a slow
// link (or from a fast typist) "path\r" is one input event, which ink-text-input would insert as text.
import TextInput from 'ink-text-input';

export interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  focus: boolean;
}

export function TextField({ value, onChange, onSubmit, focus }: TextFieldProps) {
  return (
    <TextInput
      value={value}
      focus={focus}
      onSubmit={onSubmit}
      onChange={(next) => {
        const at = next.search(/[\r\n]/);
        if (at < 0) return onChange(next);
        const line = next.slice(0, at);
        onChange(line);
        onSubmit(line);
      }}
    />
  );
}
